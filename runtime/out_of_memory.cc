#include "runtime/out_of_memory.h"

#include "absl/strings/str_format.h"

namespace gclab {

absl::Status OutOfMemoryStatus(absl::string_view collector, size_t heap_bytes,
                               size_t live_bytes, size_t request_bytes) {
  return absl::ResourceExhaustedError(absl::StrFormat(
      "out of memory: %s cannot allocate %u bytes; the heap of %u bytes holds %u live bytes",
      collector, request_bytes, heap_bytes, live_bytes));
}

}  // namespace gclab
