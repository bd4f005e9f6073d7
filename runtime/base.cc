#include "runtime/base.h"

#include <cstdio>
#include <cstdlib>

namespace gclab {

void FatalError(absl::string_view message) {
  std::fprintf(stderr, "gclab: fatal: %.*s\n", static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace gclab
