#include "runtime/plugin_loader.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace gclab {
namespace {

// A plugin built for another ABI is refused with one message naming both versions,
// and gclab does not touch the library after unloading it (it used to call the
// plugin's abi_version() again after dlclose, which crashed on a library that
// dlclose really unmaps).
TEST(PluginLoaderTest, ALibraryForAnotherAbiIsRefusedWithoutBeingCalledAfterUnloading) {
  const absl::Status status = LoadPlugin(GCLAB_OTHER_ABI_PLUGIN);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "was built for gclab runtime ABI test-other-abi"))
      << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "rebuild it against")) << status;
}

}  // namespace
}  // namespace gclab
