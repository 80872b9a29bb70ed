// Per-tenant caps of the policy (tenant_limits): max_containers,
// creates_per_second and max_concurrent_streams answer RESOURCE_EXHAUSTED
// naming the cap, and one tenant at its cap does not hold back another.
#include <unistd.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/tenant_fixture.h"

namespace warren::testing {
namespace {

using ::testing::HasSubstr;

TEST_F(TenantTest, ContainerCapIsPerTenant) {
  auto b = As("operator-b");
  v1::CreateResponse created;
  ASSERT_TRUE(b->Create(Ctx().get(), Request("b1"), &created).ok());
  ASSERT_TRUE(b->Create(Ctx().get(), Request("b2"), &created).ok());
  grpc::Status s = b->Create(Ctx().get(), Request("b3"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("max_containers"));
  EXPECT_FALSE(Exists(warrend_->dirs().state_dir() + "/containers/team-b/b3"));
  // Another tenant is not affected.
  auto a = As("operator-a");
  s = a->Create(Ctx().get(), Request("a-free"), &created);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // Deleting one frees a place.
  v1::DeleteRequest del;
  del.set_id("b1");
  v1::DeleteResponse deleted;
  ASSERT_TRUE(b->Delete(Ctx().get(), del, &deleted).ok());
  s = b->Create(Ctx().get(), Request("b3"), &created);
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TenantTest, CreateRateAndStreamCaps) {
  auto c = As("operator-c");
  v1::CreateResponse created;
  ASSERT_TRUE(c->Create(Ctx().get(), Request("c1"), &created).ok());
  // 0.2/s has a burst of one: the next Create at once is refused.
  grpc::Status s = c->Create(Ctx().get(), Request("c2"), &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("creates_per_second"));
  // One stream at a time for team-c.
  auto first_ctx = Ctx(30);
  auto first = c->Events(first_ctx.get(), {});
  v1::Event event;
  ASSERT_TRUE(first->Read(&event));  // the stream is open (c1's created)
  auto second_ctx = Ctx(10);
  auto second = c->Events(second_ctx.get(), {});
  EXPECT_FALSE(second->Read(&event));
  s = second->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("max_concurrent_streams"));
  // Other tenants' streams are not counted against team-c.
  auto a_ctx = Ctx(10);
  auto a_events = As("operator-a")->Events(a_ctx.get(), {});
  a_ctx->TryCancel();
  (void)a_events->Finish();
  // Once the first ends, its slot is free again.
  first_ctx->TryCancel();
  (void)first->Finish();
  bool reopened = false;
  for (int i = 0; i < 50 && !reopened; ++i) {
    auto ctx = Ctx(10);
    v1::LogsRequest logs;
    logs.set_id("c1");
    auto reader = c->Logs(ctx.get(), logs);
    v1::LogsResponse out;
    while (reader->Read(&out)) {
    }
    reopened = reader->Finish().ok();
    if (!reopened) usleep(100 * 1000);
  }
  EXPECT_TRUE(reopened);
}

}  // namespace
}  // namespace warren::testing
