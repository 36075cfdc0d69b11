// The plan printers' shared formatting (factors, byte sizes, the parallelism decision);
// the printers themselves are plan_printer_text.cpp, plan_printer_json.cpp and
// plan_printer_dot.cpp, one format each.
#include "graph/plan_printer.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "graph/plan_printer_internal.h"

namespace rbc {

namespace plan_printing {

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

}  // namespace plan_printing

std::string format_factor(double factor) {
  // Round half up on two decimals, so 0.625 prints as 0.63 (docs/passes.md, transform factor table).
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%.2f", std::floor(factor * 100.0 + 0.5 + 1e-9) / 100.0);
  return buffer;
}

std::string format_bytes(int64_t bytes) {
  if (bytes > 0 && bytes % (int64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + "gb";
  if (bytes > 0 && bytes % (int64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + "mb";
  if (bytes > 0 && bytes % (int64_t{1} << 10) == 0) return std::to_string(bytes >> 10) + "kb";
  return std::to_string(bytes);
}

std::string describe_decision(const ParallelismDecision& d) {
  std::ostringstream out;
  out << "mode=" << d.mode() << " effective=" << d.effective << " cap=" << d.cap
      << " cores=" << d.available_cores << " eligible_streams=" << d.eligible_streams
      << " per_stream_target=" << d.per_stream_target << " base_target=" << d.base_target
      << " transforms=" << d.transform_count << " factor=" << format_factor(d.transform_factor)
      << " tag=" << kParallelismTag;
  return out.str();
}

nlohmann::json parallelism_telemetry(const ParallelismDecision& d) {
  return {{"parallelism_mode", d.mode()},
          {"parallelism_effective", d.effective},
          {"parallelism_cap", d.cap},
          {"parallelism_available_cores", d.available_cores},
          {"parallelism_eligible_streams", d.eligible_streams},
          {"parallelism_transform_count", d.transform_count},
          {"parallelism_tag", kParallelismTag}};
}

}  // namespace rbc
