#include "harness/results/results_folder.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "harness/results/manifest.h"

namespace gclab {

std::string DefaultResultsFolderName(std::time_t when) {
  std::tm utc;
  gmtime_r(&when, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &utc);
  return absl::StrCat(stamp, "-", GitCommit());
}

absl::StatusOr<std::string> ClaimResultsFolder(const std::string& parent, const std::string& name) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", parent, ": ", ec.message()));
  // mkdir either creates the folder or fails because it exists: a name is never
  // handed out twice, however many gclabs start at once.
  constexpr int kMostTries = 10000;
  for (int n = 1; n <= kMostTries; ++n) {
    const std::string path =
        (std::filesystem::path(parent) / (n == 1 ? name : absl::StrCat(name, "-", n))).string();
    if (mkdir(path.c_str(), 0777) == 0) return path;
    if (errno != EEXIST) {
      return absl::UnavailableError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
    }
  }
  return absl::ResourceExhaustedError(absl::StrCat(
      parent, " already holds ", name, " and ", kMostTries - 1, " numbered copies of it"));
}

}  // namespace gclab
