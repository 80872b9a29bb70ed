// The Exec tests' fixture: a warrend with a running `sleep 1000` container
// "box", and helpers for Exec calls and Stream attaches.
#ifndef WARREN_TESTS_INTEGRATION_EXEC_FIXTURE_H_
#define WARREN_TESTS_INTEGRATION_EXEC_FIXTURE_H_

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "tests/integration/warrend_fixture.h"

namespace warren::testing {

class ExecTest : public WarrendTest {
 protected:
  void SetUp() override {
    WarrendTest::SetUp();
    v1::ContainerSpec spec = Spec({"sleep", "1000"});
    spec.mutable_stop_timeout()->set_seconds(1);
    spec.set_hostname("box");
    init_ = CreateOrDie("box", spec);
    StartOrDie("box");
  }

  v1::ExecRequest Req(std::vector<std::string> args) {
    v1::ExecRequest req;
    req.set_container_id("box");
    for (auto& a : args) req.mutable_process()->add_args(a);
    return req;
  }

  grpc::Status ExecCall(const v1::ExecRequest& req, v1::ExecResponse* resp,
                        int seconds = 30) {
    return stub_->Exec(Ctx(seconds).get(), req, resp);
  }

  v1::ExecResponse SyncOrDie(std::vector<std::string> args) {
    v1::ExecRequest req = Req(std::move(args));
    req.set_sync(true);
    v1::ExecResponse resp;
    grpc::Status s = ExecCall(req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // Attaches to `exec_id` from the start; sends `input` (then closes
  // stdin) and an optional resize; returns {stdout, stderr, exit code}.
  std::tuple<std::string, std::string, int> Attach(
      const std::string& exec_id, const std::string& input, bool close,
      const v1::TerminalSize* size = nullptr,
      const std::string& container = "box") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(120));
    auto stream = stub_->Stream(&ctx);
    v1::StreamRequest first;
    first.mutable_target()->set_container_id(container);
    first.mutable_target()->set_exec_id(exec_id);
    first.mutable_target()->set_from_start(true);
    EXPECT_TRUE(stream->Write(first));
    if (size != nullptr) {
      v1::StreamRequest r;
      *r.mutable_resize() = *size;
      EXPECT_TRUE(stream->Write(r));
    }
    if (!input.empty()) {
      v1::StreamRequest in;
      in.set_stdin(input);
      EXPECT_TRUE(stream->Write(in));
    }
    if (close) {
      v1::StreamRequest in;
      in.set_close_stdin(true);
      EXPECT_TRUE(stream->Write(in));
    }
    std::string out, err;
    int code = -1;
    v1::StreamResponse msg;
    while (stream->Read(&msg)) {
      if (msg.has_exit()) {
        code = msg.exit().exit_code();
        stream->WritesDone();
      } else if (msg.msg_case() == v1::StreamResponse::kStderr) {
        err += msg.stderr();
      } else {
        out += msg.stdout();
      }
    }
    grpc::Status s = stream->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {out, err, code};
  }

  v1::Container init_;
};

}  // namespace warren::testing

#endif  // WARREN_TESTS_INTEGRATION_EXEC_FIXTURE_H_
