// SQL LIKE matching: `%` any run of characters, `_` one character (UTF-8 aware),
// backslash escapes the next pattern character (PostgreSQL's default ESCAPE).
// Constant patterns are classified once per batch so the common shapes
// ('abc', 'abc%', '%abc', '%abc%') become plain comparisons or searches.
#pragma once

#include <string>
#include <string_view>

namespace rbc::sql {

class LikeMatcher {
 public:
  explicit LikeMatcher(std::string_view pattern);
  bool matches(std::string_view text) const;

 private:
  enum class Shape { exact, prefix, suffix, contains, general };
  Shape shape_ = Shape::general;
  std::string literal_;  // the pattern without its leading/trailing % (non-general shapes)
  std::string pattern_;
};

bool like_match(std::string_view text, std::string_view pattern);

}  // namespace rbc::sql
