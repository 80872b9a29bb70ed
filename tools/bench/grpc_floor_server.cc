// grpc_floor_server: the least a gRPC server of this build can do. One
// completion queue polled by one thread (the async API, no callback
// service, no sync thread pool), answering every unary call with an empty
// message. The benchmark times the same Health/Check call against it and
// against warrend: what is left is gRPC's own cost on this machine, which
// no handler inside warrend can remove.
//   grpc_floor_server unix:/path/to/socket PARENT_PID
//   (runs until SIGTERM, or until process PARENT_PID, which started it,
//   dies)
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/grpcpp.h"

namespace {

// One call's state: requested, request read, answered.
struct Call {
  enum Step { kRequested, kRead, kAnswered };
  grpc::GenericServerContext ctx;
  grpc::GenericServerAsyncReaderWriter stream{&ctx};
  grpc::ByteBuffer request;
  Step step = kRequested;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s unix:PATH PARENT_PID\n", argv[0]);
    return 2;
  }
  // A benchmark stopped with Ctrl-C takes this server with it; one that
  // died before this line was reached leaves none either.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != atoi(argv[2])) {
    return 1;
  }
  grpc::AsyncGenericService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(argv[1], grpc::InsecureServerCredentials());
  builder.RegisterAsyncGenericService(&service);
  std::unique_ptr<grpc::ServerCompletionQueue> cq =
      builder.AddCompletionQueue();
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    fprintf(stderr, "cannot listen on %s\n", argv[1]);
    return 1;
  }
  auto request_next = [&] {
    auto* call = new Call;
    service.RequestCall(&call->ctx, &call->stream, cq.get(), cq.get(), call);
  };
  request_next();
  void* tag;
  bool ok;
  while (cq->Next(&tag, &ok)) {
    auto* call = static_cast<Call*>(tag);
    if (!ok || call->step == Call::kAnswered) {
      delete call;
      continue;
    }
    if (call->step == Call::kRequested) {
      request_next();
      call->step = Call::kRead;
      call->stream.Read(&call->request, call);
    } else {
      call->step = Call::kAnswered;
      grpc::Slice empty("", 0);
      grpc::ByteBuffer answer(&empty, 1);
      call->stream.WriteAndFinish(answer, grpc::WriteOptions(),
                                  grpc::Status::OK, call);
    }
  }
  return 0;
}
