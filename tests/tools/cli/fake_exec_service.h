// A fake ContainerService for the exec, attach and logs command tests, and
// a fake Terminal: both record what the CLI did, so tests check the
// requests and messages it sent without a daemon or a real tty.
#ifndef WARREN_TESTS_TOOLS_CLI_FAKE_EXEC_SERVICE_H_
#define WARREN_TESTS_TOOLS_CLI_FAKE_EXEC_SERVICE_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proto/warren/v1/service.grpc.pb.h"
#include "tools/cli/cli_terminal.h"

namespace warren::cli {

// Exec answers exec id "e1". Stream records every message it reads as a
// line ("target c/e1 from_start", "stdin hello", "close_stdin",
// "resize 24x80"), writes `stream_stdout`, a `stream_gap` OutputGap (if not
// 0) and `stream_stderr`, echoes stdin back
// as stdout when the exec has open_stdin, and sends `exit` once stdin is
// closed (open_stdin), a Kill arrived (`exit_on_kill`), `resizes_before_exit`
// resizes came, or at once otherwise; then reads until the client
// half-closes. Logs plays `logs_script`, one entry per call (a record of
// stream "gap" is an OutputGap of `seconds` files).
class FakeExecService : public warren::v1::ContainerService::Service {
 public:
  struct Record {
    std::string stream;
    std::string data;
    int64_t seconds = 0;
    int32_t nanos = 0;
  };
  struct LogsCall {
    std::vector<Record> records;
    grpc::Status status;
  };

  grpc::Status Exec(grpc::ServerContext*, const v1::ExecRequest* req,
                    v1::ExecResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Exec " + req->container_id());
    execs.push_back(*req);
    if (!exec_status.ok()) return exec_status;
    std::string id = req->exec_id().empty() ? "e1" : req->exec_id();
    open_stdin[id] = req->process().open_stdin();
    resp->set_exec_id(id);
    resp->set_pid(42);
    return grpc::Status::OK;
  }

  grpc::Status Stream(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override {
    v1::StreamRequest first;
    if (!stream->Read(&first)) return grpc::Status::CANCELLED;
    const v1::StreamTarget& t = first.target();
    bool echo;
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back("Stream " + t.container_id());
      messages.push_back(absl::StrCat("target ", t.container_id(), "/",
                                      t.exec_id(),
                                      t.from_start() ? " from_start" : ""));
      if (!stream_status.ok()) return stream_status;
      echo = open_stdin[t.exec_id()];
    }
    std::mutex write_mu;
    auto write = [&](const std::string& data, bool is_stderr) {
      v1::StreamResponse r;
      is_stderr ? r.set_stderr(data) : r.set_stdout(data);
      std::lock_guard<std::mutex> lock(write_mu);
      stream->Write(r);
    };
    if (!stream_stdout.empty()) write(stream_stdout, false);
    if (stream_gap > 0) {
      v1::StreamResponse r;
      r.mutable_gap()->set_lost_generations(stream_gap);
      stream->Write(r);
    }
    if (!stream_stderr.empty()) write(stream_stderr, true);
    bool stdin_closed = false;
    bool reader_done = false;
    std::thread reader([&] {
      v1::StreamRequest m;
      while (stream->Read(&m)) {
        std::lock_guard<std::mutex> lock(mu);
        if (m.msg_case() == v1::StreamRequest::kStdin) {
          messages.push_back("stdin " + m.stdin());
          if (echo) write(m.stdin(), false);
        } else if (m.msg_case() == v1::StreamRequest::kCloseStdin) {
          messages.push_back("close_stdin");
          stdin_closed = true;
        } else if (m.msg_case() == v1::StreamRequest::kResize) {
          messages.push_back(absl::StrCat("resize ", m.resize().rows(), "x",
                                          m.resize().cols()));
          ++resizes;
        } else {
          messages.push_back("other");
        }
        cv.notify_all();
      }
      std::lock_guard<std::mutex> lock(mu);
      reader_done = true;
      cv.notify_all();
    });
    bool send_exit;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::seconds(10), [&] {
        if (reader_done) return true;
        if (echo) return stdin_closed;
        if (exit_on_kill) return killed;
        return resizes >= resizes_before_exit;
      });
      send_exit = !reader_done;
    }
    if (send_exit) {
      v1::StreamResponse r;
      *r.mutable_exit() = exit;
      std::lock_guard<std::mutex> lock(write_mu);
      stream->Write(r);
    }
    reader.join();  // the client half-closes after the exit
    return grpc::Status::OK;
  }

  // Create/Start/Delete for `run -it`: the init's open_stdin decides
  // whether Stream echoes for exec id "".
  grpc::Status Create(grpc::ServerContext*, const v1::CreateRequest* req,
                      v1::CreateResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(absl::StrCat(
        "Create ", req->id(), req->spec().process().tty() ? " tty" : "",
        req->spec().process().open_stdin() ? " stdin" : ""));
    open_stdin[""] = req->spec().process().open_stdin();
    resp->mutable_container()->set_id(req->id());
    return grpc::Status::OK;
  }
  grpc::Status Start(grpc::ServerContext*, const v1::StartRequest* req,
                     v1::StartResponse* resp) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Start " + req->id());
    resp->mutable_container()->set_id(req->id());
    return grpc::Status::OK;
  }
  grpc::Status Delete(grpc::ServerContext*, const v1::DeleteRequest* req,
                      v1::DeleteResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Delete " + req->id());
    return grpc::Status::OK;
  }

  grpc::Status Kill(grpc::ServerContext*, const v1::KillRequest* req,
                    v1::KillResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(absl::StrCat("Kill ", req->id(), "/", req->exec_id(), " ",
                                 req->signal()));
    killed = true;
    cv.notify_all();
    return grpc::Status::OK;
  }

  grpc::Status Logs(grpc::ServerContext*, const v1::LogsRequest* req,
                    grpc::ServerWriter<v1::LogsResponse>* writer) override {
    LogsCall call;
    {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back("Logs " + req->id());
      logs_requests.push_back(*req);
      size_t n = logs_requests.size() - 1;
      if (n < logs_script.size()) {
        call = logs_script[n];
      } else {
        call.status = logs_after_script;
      }
    }
    for (const Record& rec : call.records) {
      v1::LogsResponse r;
      if (rec.stream == "gap") {  // `seconds` files lost
        r.mutable_gap()->set_lost_generations(rec.seconds);
        writer->Write(r);
        continue;
      }
      r.set_stream(rec.stream);
      r.set_data(rec.data);
      r.set_line_end(true);
      r.mutable_time()->set_seconds(rec.seconds);
      r.mutable_time()->set_nanos(rec.nanos);
      writer->Write(r);
    }
    return call.status;
  }

  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }
  std::vector<std::string> Messages() {
    std::lock_guard<std::mutex> lock(mu);
    return messages;
  }

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> calls;
  std::vector<std::string> messages;
  std::vector<v1::ExecRequest> execs;
  std::vector<v1::LogsRequest> logs_requests;
  std::map<std::string, bool> open_stdin;
  bool killed = false;
  int resizes = 0;

  // Behaviour, set before the command runs.
  grpc::Status exec_status;
  grpc::Status stream_status;
  std::string stream_stdout;
  std::string stream_stderr;
  uint64_t stream_gap = 0;
  v1::ExitStatus exit;
  bool exit_on_kill = false;
  int resizes_before_exit = 0;
  std::vector<LogsCall> logs_script;
  grpc::Status logs_after_script;
};

// A terminal that is whatever the test says; records MakeRaw/Restore.
class FakeTerminal : public Terminal {
 public:
  bool InputIsTerminal() override { return input_tty; }
  bool OutputIsTerminal() override { return output_tty; }
  std::optional<WindowSize> Size() override {
    std::lock_guard<std::mutex> lock(mu);
    return size;
  }
  absl::Status MakeRaw() override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("MakeRaw");
    return make_raw_status;
  }
  void Restore() override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back("Restore");
  }
  void SetSize(uint32_t rows, uint32_t cols) {
    std::lock_guard<std::mutex> lock(mu);
    size = WindowSize{rows, cols};
  }
  std::vector<std::string> Calls() {
    std::lock_guard<std::mutex> lock(mu);
    return calls;
  }

  bool input_tty = false;
  bool output_tty = false;
  absl::Status make_raw_status;

 private:
  std::mutex mu;
  std::optional<WindowSize> size;
  std::vector<std::string> calls;
};

}  // namespace warren::cli

#endif  // WARREN_TESTS_TOOLS_CLI_FAKE_EXEC_SERVICE_H_
