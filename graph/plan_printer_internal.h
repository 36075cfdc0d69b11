// What the plan printers (plan_printer_text.cpp, _json.cpp, _dot.cpp) share beyond the
// public plan_printer.h. Internal to graph/.
#pragma once

#include <string>
#include <vector>

namespace rbc::plan_printing {

// The items with `separator` between them: "a, b, c".
std::string join(const std::vector<std::string>& items, const char* separator = ", ");

}  // namespace rbc::plan_printing
