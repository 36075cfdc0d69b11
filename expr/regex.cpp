// ICU regular expressions over UTF-8 text (see regex.h).
#include "expr/regex.h"

#include <unicode/regex.h>
#include <unicode/utext.h>

namespace rbc::sql {

Result<RegexFlags> parse_regex_flags(std::string_view flags, bool allow_global, const char* function) {
  RegexFlags out;
  for (char c : flags) {
    switch (c) {
      case 'g':
        if (!allow_global)
          return Status::invalid(std::string(function) + "() does not support the \"global\" option");
        out.global = true;
        break;
      case 'i': out.ignore_case = true; break;
      case 'c': out.ignore_case = false; break;
      default: return Status::invalid("invalid regular expression option: \"" + std::string(1, c) + "\"");
    }
  }
  return out;
}

struct Regex::Compiled {
  std::unique_ptr<icu::RegexPattern> pattern;
};

Regex::~Regex() = default;

namespace {

std::string describe(UErrorCode code) {
  switch (code) {
    case U_REGEX_MISMATCHED_PAREN: return "parentheses () not balanced";
    case U_REGEX_MISSING_CLOSE_BRACKET: return "brackets [] not balanced";
    case U_REGEX_BAD_INTERVAL:
    case U_REGEX_MAX_LT_MIN: return "invalid repetition count(s)";
    case U_REGEX_RULE_SYNTAX: return "quantifier operand invalid or syntax error";
    case U_REGEX_BAD_ESCAPE_SEQUENCE: return "invalid escape \\ sequence";
    case U_REGEX_INVALID_BACK_REF: return "invalid backreference number";
    default: return u_errorName(code);
  }
}

}  // namespace

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern, bool ignore_case) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError where;
  icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(pattern.data(), static_cast<int32_t>(pattern.size())));
  std::unique_ptr<icu::RegexPattern> compiled(
      icu::RegexPattern::compile(text, ignore_case ? UREGEX_CASE_INSENSITIVE : 0, where, status));
  if (U_FAILURE(status) || !compiled) {
    return Status::invalid("invalid regular expression: " + describe(status));
  }
  std::shared_ptr<Regex> regex(new Regex());
  regex->compiled_ = std::make_unique<Compiled>(Compiled{std::move(compiled)});
  regex->pattern_ = std::string(pattern);
  regex->ignore_case_ = ignore_case;
  return std::shared_ptr<const Regex>(std::move(regex));
}

struct Regex::Matcher::State {
  std::unique_ptr<icu::RegexMatcher> matcher;
  UText text = UTEXT_INITIALIZER;
  UErrorCode status = U_ZERO_ERROR;
  ~State() { utext_close(&text); }

  // Points the matcher at `s`; false when ICU failed.
  bool reset(std::string_view s) {
    status = U_ZERO_ERROR;
    utext_openUTF8(&text, s.data(), static_cast<int64_t>(s.size()), &status);
    if (U_FAILURE(status)) return false;
    matcher->reset(&text);
    return true;
  }
  Status failure() const {
    return Status::invalid(std::string("regular expression failed: ") + u_errorName(status));
  }
};

Regex::Matcher::Matcher(const Regex& regex) : state_(std::make_unique<State>()) {
  UErrorCode status = U_ZERO_ERROR;
  state_->matcher.reset(regex.compiled_->pattern->matcher(status));
  state_->status = status;
}

Regex::Matcher::~Matcher() = default;

Result<bool> Regex::Matcher::search(std::string_view text) {
  State& s = *state_;
  if (!s.matcher || !s.reset(text)) return s.failure();
  bool found = s.matcher->find(s.status);
  if (U_FAILURE(s.status)) return s.failure();
  return found;
}

Status Regex::Matcher::replace(std::string_view text, std::string_view replacement, bool global,
                               std::string& out) {
  State& s = *state_;
  if (!s.matcher || !s.reset(text)) return s.failure();
  icu::RegexMatcher& m = *s.matcher;
  const int32_t groups = m.groupCount();
  int64_t copied = 0;
  while (m.find(s.status)) {
    int64_t begin = m.start64(s.status), end = m.end64(s.status);
    if (U_FAILURE(s.status)) return s.failure();
    out.append(text.substr(static_cast<size_t>(copied), static_cast<size_t>(begin - copied)));
    for (size_t i = 0; i < replacement.size(); ++i) {
      char c = replacement[i];
      if (c != '\\' || i + 1 == replacement.size()) {
        out.push_back(c);
        continue;
      }
      char next = replacement[i + 1];
      int group = -1;
      if (next >= '1' && next <= '9') group = next - '0';
      if (next == '&') group = 0;
      if (next == '\\') {
        out.push_back('\\');
        ++i;
        continue;
      }
      if (group < 0) {  // a backslash before anything else stays
        out.push_back('\\');
        continue;
      }
      ++i;
      if (group > groups) continue;
      int64_t gb = m.start64(group, s.status), ge = m.end64(group, s.status);
      if (U_FAILURE(s.status)) return s.failure();
      if (gb >= 0 && ge >= gb) out.append(text.substr(static_cast<size_t>(gb), static_cast<size_t>(ge - gb)));
    }
    copied = end;
    if (!global) break;
  }
  if (U_FAILURE(s.status)) return s.failure();
  out.append(text.substr(static_cast<size_t>(copied)));
  return Status::ok();
}

}  // namespace rbc::sql
