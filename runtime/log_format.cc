#include "runtime/log_format.h"

#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"

namespace warren::runtime {
namespace {

constexpr char kTimeFormat[] = "%Y-%m-%d%ET%H:%M:%E9SZ";
constexpr absl::string_view kHeaderPrefix = "#warren-log generation=";

// `n` decimal digits at `s`, or -1.
int64_t Digits(const char* s, int n) {
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// The times LogWriter writes ("2023-11-14T22:13:20.123456789Z") without
// absl::ParseTime, which costs more than the rest of reading a record;
// false for anything else (ParseTime decides then).
bool ParseWriterTime(absl::string_view text, absl::Time* time) {
  constexpr absl::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddddddddZ";
  if (text.size() != kShape.size()) return false;
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? (text[i] < '0' || text[i] > '9')
                         : text[i] != kShape[i]) {
      return false;
    }
  }
  const char* s = text.data();
  absl::CivilSecond civil(Digits(s, 4), Digits(s + 5, 2), Digits(s + 8, 2),
                          Digits(s + 11, 2), Digits(s + 14, 2),
                          Digits(s + 17, 2));
  // CivilSecond normalizes (month 13 is next January): such text is no
  // time LogWriter wrote.
  if (civil.year() != Digits(s, 4) || civil.month() != Digits(s + 5, 2) ||
      civil.day() != Digits(s + 8, 2) || civil.hour() != Digits(s + 11, 2) ||
      civil.minute() != Digits(s + 14, 2) ||
      civil.second() != Digits(s + 17, 2)) {
    return false;
  }
  *time = absl::FromCivil(civil, absl::UTCTimeZone()) +
          absl::Nanoseconds(Digits(s + 20, 9));
  return true;
}

}  // namespace

std::string LogRecordHead(absl::Time time, absl::string_view stream,
                          bool line_end) {
  return absl::StrCat(absl::FormatTime(kTimeFormat, time, absl::UTCTimeZone()),
                      " ", stream, line_end ? " F " : " P ");
}

std::string FormatLogRecord(const LogRecord& record) {
  return absl::StrCat(
      LogRecordHead(record.time, record.stream, record.line_end),
      record.content, "\n");
}

void LogRecordBatch::AppendTo(std::string* out) const {
  for (const Record& r : records_) {
    absl::StrAppend(out, r.head, r.body, "\n");
  }
}

bool ParseLogRecord(absl::string_view line, LogRecordView* record) {
  size_t sp1 = line.find(' ');
  if (sp1 == absl::string_view::npos) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == absl::string_view::npos || sp2 + 2 > line.size()) return false;
  std::string err;
  if (!ParseWriterTime(line.substr(0, sp1), &record->time) &&
      !absl::ParseTime(kTimeFormat, line.substr(0, sp1), absl::UTCTimeZone(),
                       &record->time, &err)) {
    return false;
  }
  record->stream = line.substr(sp1 + 1, sp2 - sp1 - 1);
  char tag = line[sp2 + 1];
  if (tag != 'F' && tag != 'P') return false;
  record->line_end = tag == 'F';
  absl::string_view rest = line.substr(sp2 + 2);
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  record->content = rest;
  return true;
}

bool ParseLogRecord(absl::string_view line, LogRecord* record) {
  LogRecordView view;
  if (!ParseLogRecord(line, &view)) return false;
  record->time = view.time;
  record->stream.assign(view.stream.data(), view.stream.size());
  record->line_end = view.line_end;
  record->content.assign(view.content.data(), view.content.size());
  return true;
}

std::string LogFileHeader(uint64_t generation) {
  return absl::StrCat(kHeaderPrefix, generation, "\n");
}

uint64_t ParseLogFileHeader(absl::string_view line) {
  uint64_t generation = 0;
  if (!absl::ConsumePrefix(&line, kHeaderPrefix) ||
      !absl::SimpleAtoi(line, &generation)) {
    return 0;
  }
  return generation;
}

void LogLineSplitter::Emit(absl::string_view body, bool line_end,
                           absl::Time now, LogRecordBatch* out) {
  std::string head = LogRecordHead(Stamp(now), stream_, line_end);
  head.append(pending_);
  pending_.clear();
  out->Add(std::move(head), body);
}

void LogLineSplitter::Add(absl::string_view data, absl::Time now,
                          LogRecordBatch* out) {
  while (!data.empty()) {
    size_t nl = data.find('\n');
    absl::string_view line =
        nl == absl::string_view::npos ? data : data.substr(0, nl);
    // Pieces of at most kMaxPartial (pending part included), as "P".
    while (pending_.size() + line.size() > kMaxPartial ||
           (nl == absl::string_view::npos &&
            pending_.size() + line.size() == kMaxPartial)) {
      size_t take = kMaxPartial - pending_.size();
      Emit(line.substr(0, take), false, now, out);
      line.remove_prefix(take);
      data.remove_prefix(take);
    }
    if (nl == absl::string_view::npos) {
      pending_.append(line.data(), line.size());
      return;
    }
    Emit(line, true, now, out);
    data.remove_prefix(line.size() + 1);
  }
}

void LogLineSplitter::Flush(absl::Time now, LogRecordBatch* out) {
  if (pending_.empty()) return;
  Emit(absl::string_view(), false, now, out);
}

void LogLineSplitter::Add(absl::string_view data, absl::Time now,
                          std::string* out) {
  LogRecordBatch batch;
  Add(data, now, &batch);
  batch.AppendTo(out);
}

void LogLineSplitter::Flush(absl::Time now, std::string* out) {
  LogRecordBatch batch;
  Flush(now, &batch);
  batch.AppendTo(out);
}

}  // namespace warren::runtime
