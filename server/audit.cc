#include "server/audit.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "grpcpp/server_context.h"
#include "proto/warren/v1/service.pb.h"
#include "server/log.h"
#include "server/role_table.h"

namespace warren::server {
namespace {

std::string Value(absl::string_view v) {
  if (v.empty()) return "-";
  for (char c : v) {
    unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isspace(u) || absl::ascii_iscntrl(u) || c == '"' ||
        u >= 0x80) {
      return absl::StrCat("\"", absl::CEscape(v), "\"");
    }
  }
  return std::string(v);
}

std::string WithExec(const std::string& id, const std::string& exec_id) {
  return exec_id.empty() ? id : absl::StrCat(id, "/", exec_id);
}

template <typename Request>
const Request& As(const void* request) {
  return *static_cast<const Request*>(request);
}

// Records the call's object when its request arrives and writes the audit
// line when its status is sent.
class AuditInterceptor : public grpc::experimental::Interceptor {
 public:
  AuditInterceptor(const Authorizer* authorizer,
                   grpc::experimental::ServerRpcInfo* info)
      : authorizer_(authorizer), info_(info), method_(info->method()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        object_id_.empty()) {
      object_id_ = ObjectIdOf(method_, methods->GetRecvMessage());
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::ServerContextBase* ctx = info_->server_context();
      Caller caller = authorizer_->CallerOf(*ctx->auth_context());
      // An admin acts in the tenant it names (server/tenant_scope.h): that
      // is the tenant the call touched.
      if (caller.role == Role::kAdmin) {
        auto named = ctx->client_metadata().find(grpc::string_ref(
            kTenantMetadataKey.data(), kTenantMetadataKey.size()));
        if (named != ctx->client_metadata().end()) {
          caller.tenant.assign(named->second.data(), named->second.size());
        } else if (caller.tenant.empty()) {
          caller.tenant = "default";
        }
      }
      Audit(caller, method_, object_id_, methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  const Authorizer* authorizer_;
  grpc::experimental::ServerRpcInfo* info_;
  std::string method_;
  std::string object_id_;
};

}  // namespace

std::string FormatAuditLine(const Caller& caller, absl::string_view method,
                            absl::string_view object_id,
                            grpc::StatusCode code) {
  return absl::StrCat("audit: identity=", Value(caller.identity),
                      " tenant=", Value(caller.tenant),
                      " role=", RoleName(caller.role),
                      " rpc=", Value(RpcName(method)), " id=", Value(object_id),
                      " code=", StatusCodeName(code));
}

void Audit(const Caller& caller, absl::string_view method,
           absl::string_view object_id, grpc::StatusCode code) {
  LogLine(FormatAuditLine(caller, method, object_id, code));
}

std::string ObjectIdOf(absl::string_view method, const void* r) {
  if (r == nullptr) return "";
  absl::string_view rpc = method;
  if (!absl::ConsumePrefix(&rpc, "/warren.v1.ContainerService/")) return "";
  if (rpc == "Create") return As<v1::CreateRequest>(r).id();
  if (rpc == "Start") return As<v1::StartRequest>(r).id();
  if (rpc == "Delete") return As<v1::DeleteRequest>(r).id();
  if (rpc == "Pause") return As<v1::PauseRequest>(r).id();
  if (rpc == "Resume") return As<v1::ResumeRequest>(r).id();
  if (rpc == "Update") return As<v1::UpdateRequest>(r).id();
  if (rpc == "Kill") {
    const auto& k = As<v1::KillRequest>(r);
    return WithExec(k.id(), k.exec_id());
  }
  if (rpc == "Exec") {
    const auto& e = As<v1::ExecRequest>(r);
    return WithExec(e.container_id(), e.exec_id());
  }
  if (rpc == "Stream") {
    const auto& s = As<v1::StreamRequest>(r);
    if (!s.has_target()) return "";
    return WithExec(s.target().container_id(), s.target().exec_id());
  }
  if (rpc == "CreateNetwork") {
    return As<v1::CreateNetworkRequest>(r).config().name();
  }
  if (rpc == "DeleteNetwork") return As<v1::DeleteNetworkRequest>(r).name();
  return "";
}

grpc::experimental::Interceptor*
AuditInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info->method() == nullptr || !IsMutating(info->method())) return nullptr;
  return new AuditInterceptor(authorizer_, info);
}

}  // namespace warren::server
