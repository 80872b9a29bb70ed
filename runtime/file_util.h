// File helpers for state that must survive crashes: a reader of a state
// file sees either the old or the new content, never a torn one.
#ifndef WARREN_RUNTIME_FILE_UTIL_H_
#define WARREN_RUNTIME_FILE_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"

namespace warren::runtime {

// What a write must survive. kDurable: a power loss or kernel crash too
// (fsync of the file and its directory). kAtomic: a crash of the writer
// (readers see the old or the new file), not of the host: for files about
// running processes (execs), which a host crash ends anyway, so the fsyncs
// would only slow every exec.
enum class Durability { kDurable, kAtomic };

// Writes `data` to `path` via a temporary file and rename, so a crash
// leaves the old or the new file.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view data,
                             int mode = 0600,
                             Durability durability = Durability::kDurable);

// A file written atomically (kAtomic) later whose inode is allocated now:
// creating a file costs up to a millisecond on a filesystem with much
// churn (ext4 without a journal skips recently deleted inodes one by one),
// so the monitor creates an exec's exit record while the exec starts, and
// only writes and renames it when the exec ends. Until Commit the content
// is at `path`.tmp; destroying an uncommitted one removes that.
class PreparedFile {
 public:
  static absl::StatusOr<PreparedFile> Create(const std::string& path,
                                             int mode = 0600);
  PreparedFile(PreparedFile&& other) noexcept;
  PreparedFile& operator=(PreparedFile&& other) noexcept;
  PreparedFile(const PreparedFile&) = delete;
  PreparedFile& operator=(const PreparedFile&) = delete;
  ~PreparedFile();

  // Writes `data` to the temporary and renames it to the path. Once only.
  absl::Status Commit(absl::string_view data);

 private:
  PreparedFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  void Abandon();

  std::string path_;
  int fd_ = -1;
};

// Reads the whole file. NOT_FOUND if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Atomic write / read of a serialized protobuf message.
absl::Status WriteProtoAtomic(const std::string& path,
                              const google::protobuf::MessageLite& message,
                              Durability durability = Durability::kDurable);
absl::Status ReadProto(const std::string& path,
                       google::protobuf::MessageLite* message);

// mkdir -p with `mode` for the directories it creates.
absl::Status MakeDirs(const std::string& path, int mode = 0700);

// fsync of the directory `dir`: makes the entries created in it (a new
// subdirectory, a renamed file) survive a power loss. A file's own fsync
// does not cover its name, and on ext4 without a journal nothing else does.
absl::Status SyncDir(const std::string& dir);

// Names in `dir` except "." and "..", in no particular order; empty if it
// cannot be read.
std::vector<std::string> ListDir(const std::string& dir);

// Output pipes of a container's processes are enlarged to this, so a
// process writing fast blocks less often on the monitor and each read of
// the monitor gets more at once.
constexpr int kOutputPipeBytes = 1 << 20;

// Sets the pipe `fd` to kOutputPipeBytes (F_SETPIPE_SZ). Where the limits
// (/proc/sys/fs/pipe-max-size, per-user pipe pages) forbid it, the pipe
// keeps its size: only the speed differs.
void EnlargePipe(int fd);

// rm -rf that never follows symlinks and never crosses into a mount point.
// A missing path is OK.
absl::Status RemoveTree(const std::string& path);

}  // namespace warren::runtime

#endif  // WARREN_RUNTIME_FILE_UTIL_H_
