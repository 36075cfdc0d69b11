// Regular expressions of REGEXP_LIKE, REGEXP_REPLACE and the ~ ~* !~ !~* operators:
// ICU's engine (Perl-like syntax, Unicode-aware: `.` is one character, not one byte),
// matching the UTF-8 text in place. A constant pattern is compiled once, at bind time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "expr/functions.h"
#include "graph/status.h"

namespace rbc::sql {

struct RegexFlags {
  bool global = false;       // 'g': every match (REGEXP_REPLACE)
  bool ignore_case = false;  // 'i' (a later 'c' turns it off again)
};

// PostgreSQL's flag letters 'g', 'i' and 'c'; the errors are PostgreSQL's: an unknown
// letter, or 'g' where `function` takes no global option (REGEXP_LIKE).
Result<RegexFlags> parse_regex_flags(std::string_view flags, bool allow_global, const char* function);

class Regex final : public Prepared {
 public:
  ~Regex() override;
  // The compiled pattern, or "invalid regular expression: ..." as PostgreSQL words it.
  static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern, bool ignore_case);

  bool ignore_case() const { return ignore_case_; }
  const std::string& pattern() const { return pattern_; }

  // A matcher for one thread; reusable across rows.
  class Matcher {
   public:
    explicit Matcher(const Regex& regex);
    ~Matcher();
    Matcher(const Matcher&) = delete;
    Matcher& operator=(const Matcher&) = delete;
    // Whether `text` contains a match; false with `error` set when ICU gave up.
    Result<bool> search(std::string_view text);
    // `text` with the first (or every, `global`) match replaced by `replacement`, in
    // which \1..\9 name groups, \& the whole match and \\ a backslash (PostgreSQL's).
    Status replace(std::string_view text, std::string_view replacement, bool global, std::string& out);

   private:
    struct State;
    std::unique_ptr<State> state_;
  };

 private:
  Regex() = default;
  struct Compiled;
  std::unique_ptr<Compiled> compiled_;
  std::string pattern_;
  bool ignore_case_ = false;
};

}  // namespace rbc::sql
