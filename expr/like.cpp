// LIKE matching; see like.h.
#include "expr/like.h"

namespace rbc::sql {

namespace {

size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xe) return 3;
  if ((lead >> 3) == 0x1e) return 4;
  return 1;  // stray continuation byte: treat as one character
}

}  // namespace

// Greedy matching with a single backtrack point (the last `%`), linear in practice.
bool like_match(std::string_view text, std::string_view pattern) {
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char c = pattern[p];
      if (c == '%') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (c == '_') {
        t += utf8_length(static_cast<unsigned char>(text[t]));
        ++p;
        continue;
      }
      size_t literal_at = p;
      if (c == '\\' && p + 1 < pattern.size()) literal_at = p + 1;
      if (pattern[literal_at] == text[t]) {
        p = literal_at + 1;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    // Let the last % absorb one more character and retry from there.
    star_t += utf8_length(static_cast<unsigned char>(text[star_t]));
    t = star_t;
    p = star_p;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

LikeMatcher::LikeMatcher(std::string_view pattern) : pattern_(pattern) {
  if (pattern.find_first_of("_\\") != std::string_view::npos) return;
  if (pattern.empty()) {
    shape_ = Shape::exact;
    return;
  }
  size_t first = pattern.find_first_not_of('%');
  if (first == std::string_view::npos) {
    shape_ = Shape::contains;  // only %s: matches everything (contains "")
    return;
  }
  size_t last = pattern.find_last_not_of('%');
  std::string_view core = pattern.substr(first, last - first + 1);
  if (core.find('%') != std::string_view::npos) return;
  literal_ = std::string(core);
  bool leading = first > 0, trailing = last + 1 < pattern.size();
  shape_ = leading ? (trailing ? Shape::contains : Shape::suffix) : (trailing ? Shape::prefix : Shape::exact);
}

bool LikeMatcher::matches(std::string_view text) const {
  switch (shape_) {
    case Shape::exact: return text == literal_;
    case Shape::prefix: return text.starts_with(literal_);
    case Shape::suffix: return text.ends_with(literal_);
    case Shape::contains: return text.find(literal_) != std::string_view::npos;
    case Shape::general: return like_match(text, pattern_);
  }
  return false;
}

}  // namespace rbc::sql
