// Kernels of the text functions (the table is in functions.cpp). Lengths and positions
// count characters of UTF-8 text, as PostgreSQL in a UTF-8 database. Case mapping is
// per character (ICU's simple mappings, as PostgreSQL's libc towupper/towlower under
// C.UTF-8: 'ß' stays 'ß', 'ı' -> 'I', 'İ' -> 'i'); pure ASCII never reaches ICU.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <limits>
#include <optional>

#include "expr/function_kernels.h"
#include "expr/regex.h"

namespace rbc::sql {

namespace {

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Bytes of the character starting at s[i] (1 for a stray byte), within s.
size_t char_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
  return std::min(n, s.size() - i);
}

// Byte offset of the `chars`-th character (0-based), clamped to the end.
size_t byte_offset(std::string_view s, int64_t chars) {
  if (chars <= 0) return 0;
  size_t i = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      if (chars == 0) return i;
      --chars;
    }
    ++i;
  }
  return s.size();
}

const std::string_view& str(const Vec& v, size_t i) { return v.strings[at(v, i)]; }
int64_t integer(const Vec& v, size_t i) { return v.ints[at(v, i)]; }

// ---- case -----------------------------------------------------------------------------

enum class Case { upper, lower, initcap };

bool ascii_alnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

void map_case(std::string_view s, Case mode, std::string& out) {
  bool after_alnum = false;                    // INITCAP: lower case after a letter or digit, else upper
  if (is_ascii(s) && mode != Case::initcap) {  // the common case, in one pass the compiler vectorizes
    const size_t at = out.size();
    out.resize(at + s.size());
    char* to = out.data() + at;
    const char from = mode == Case::upper ? 'a' : 'A';
    const char flip = 'a' - 'A';  // the bit 0x20
    for (size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      to[i] = static_cast<char>(static_cast<unsigned char>(c - from) < 26 ? c ^ flip : c);
    }
    return;
  }
  if (is_ascii(s)) {  // INITCAP
    for (char c : s) {
      bool up = !after_alnum;
      if (up && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (!up && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      out.push_back(c);
      after_alnum = ascii_alnum(c);
    }
    return;
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto n = static_cast<int32_t>(s.size());
  int32_t i = 0;
  while (i < n) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) {  // not UTF-8: kept as it is
      out.append(s.data() + start, static_cast<size_t>(i - start));
      after_alnum = false;
      continue;
    }
    bool up = mode == Case::upper || (mode == Case::initcap && !after_alnum);
    UChar32 mapped = up ? u_toupper(c) : u_tolower(c);
    uint8_t buffer[U8_MAX_LENGTH];
    int32_t length = 0;
    U8_APPEND_UNSAFE(buffer, length, mapped);
    out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
    after_alnum = u_isalnum(mapped);
  }
}

Result<Vec> case_kernel(const Expr& call, std::vector<Vec>& args, size_t n, Case mode) {
  return text_rows(call, args, n, [&](size_t i, std::string& out) {
    map_case(str(args[0], i), mode, out);
    return Status::ok();
  });
}

// ---- trimming --------------------------------------------------------------------------

// Whether the character `c` is one of the characters of `set`.
bool in_set(std::string_view set, std::string_view c) {
  if (c.size() == 1) return set.find(c[0]) != std::string_view::npos;
  for (size_t j = 0; j < set.size(); j += char_length(set, j)) {
    if (set.substr(j, char_length(set, j)) == c) return true;
  }
  return false;
}

std::string_view trim(std::string_view s, std::string_view set, bool front, bool back) {
  size_t begin = 0, end = s.size();
  if (front) {
    while (begin < end) {
      size_t length = char_length(s, begin);
      if (!in_set(set, s.substr(begin, length))) break;
      begin += length;
    }
  }
  if (back) {
    while (end > begin) {
      size_t p = end - 1;
      while (p > begin && (static_cast<unsigned char>(s[p]) & 0xc0) == 0x80) --p;
      if (!in_set(set, s.substr(p, end - p))) break;
      end = p;
    }
  }
  return s.substr(begin, end - begin);
}

Result<Vec> trim_kernel(const Expr& call, std::vector<Vec>& args, size_t n, bool front, bool back) {
  return slice_rows(call, args, n, [&](size_t i) -> Result<std::string_view> {
    return trim(str(args[0], i), args.size() > 1 ? str(args[1], i) : std::string_view(" "), front, back);
  });
}

// ---- padding ---------------------------------------------------------------------------

Result<Vec> pad_kernel(const Expr& call, std::vector<Vec>& args, size_t n, bool left) {
  return text_rows(call, args, n, [&](size_t i, std::string& out) -> Status {
    std::string_view s = str(args[0], i);
    std::string_view fill = args.size() > 2 ? str(args[2], i) : std::string_view(" ");
    int64_t length = std::max<int64_t>(integer(args[1], i), 0);
    int64_t chars = character_count(s);
    if (chars > length) chars = length;  // a longer string is cut to `length` characters
    if (fill.empty()) length = chars;    // nothing to pad with
    if (length > 268435455) return runtime_error("requested length too large", call);
    std::string_view kept = s.substr(0, byte_offset(s, chars));
    if (!left) out.append(kept);
    for (int64_t k = chars, j = 0; k < length; ++k) {
      size_t c = char_length(fill, static_cast<size_t>(j));
      out.append(fill.substr(static_cast<size_t>(j), c));
      j += static_cast<int64_t>(c);
      if (static_cast<size_t>(j) >= fill.size()) j = 0;
    }
    if (left) out.append(kept);
    return Status::ok();
  });
}

// ---- regular expressions ---------------------------------------------------------------

// The compiled pattern of each row: the one the bind hook prepared, or the last one
// compiled (rows often repeat a pattern).
class RegexCache {
 public:
  explicit RegexCache(const Expr& call) : call_(call) {
    if (call.prepared) use(std::static_pointer_cast<const Regex>(call.prepared));
  }
  Result<Regex::Matcher*> matcher(std::string_view pattern, bool ignore_case) {
    if (!regex_ || regex_->pattern() != pattern || regex_->ignore_case() != ignore_case) {
      auto compiled = Regex::compile(pattern, ignore_case);
      if (!compiled.is_ok()) return runtime_error(compiled.status().message(), call_);
      use(*compiled);
    }
    return matcher_.get();
  }

 private:
  void use(std::shared_ptr<const Regex> regex) {
    regex_ = std::move(regex);
    matcher_ = std::make_unique<Regex::Matcher>(*regex_);
  }
  const Expr& call_;
  std::shared_ptr<const Regex> regex_;
  std::unique_ptr<Regex::Matcher> matcher_;
};

bool is_null_constant(const Expr& e) { return e.kind == ExprKind::constant && !e.value.is_valid(0); }

// Compiles a constant pattern (with constant flags) once; reports a bad pattern or flag
// at its argument.
bool prepare_regex(Call& call, CallBinder& binder, size_t flags_at, bool allow_global) {
  std::string_view flags;
  if (call.args.size() > flags_at) {
    const Expr& f = *call.args[flags_at];
    if (f.kind != ExprKind::constant) return true;
    if (is_null_constant(f)) return true;
    auto parsed = parse_regex_flags(f.value.strings[0], allow_global, "regexp_like");
    if (!parsed.is_ok()) {
      binder.error(f.offset, parsed.status().message());
      return false;
    }
    flags = f.value.strings[0];
  }
  const Expr& p = *call.args[1];
  if (p.kind != ExprKind::constant || is_null_constant(p)) return true;
  auto parsed = parse_regex_flags(flags, true, "");
  auto regex = Regex::compile(p.value.strings[0], parsed->ignore_case);
  if (!regex.is_ok()) {
    binder.error(p.offset, regex.status().message());
    return false;
  }
  call.prepared = *regex;
  return true;
}

}  // namespace

int64_t character_count(std::string_view s) {
  int64_t count = 0;
  for (char c : s) count += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return count;
}

Result<Vec> upper_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return case_kernel(call, args, n, Case::upper);
}
Result<Vec> lower_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return case_kernel(call, args, n, Case::lower);
}
Result<Vec> initcap_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return case_kernel(call, args, n, Case::initcap);
}

Result<Vec> length_kernel(const Expr& call, std::vector<Vec>& args, size_t /*rows*/) {
  const Vec& in = args[0];
  Vec out;
  out.type = call.type;
  out.constant = in.constant;
  out.allocate(in.size);
  out.valid = in.valid;
  for (size_t i = 0; i < in.size; ++i) out.ints[i] = character_count(in.strings[i]);
  return out;
}

Result<Vec> substr_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return slice_rows(call, args, n, [&](size_t i) -> Result<std::string_view> {
    std::string_view s = str(args[0], i);
    int64_t start = integer(args[1], i);
    int64_t from = std::max<int64_t>(start, 1);
    size_t begin = byte_offset(s, from - 1), end = s.size();
    if (args.size() == 3) {
      int64_t length = integer(args[2], i);
      if (length < 0) return runtime_error("negative substring length not allowed", call);
      int64_t stop = start > std::numeric_limits<int64_t>::max() - length
                         ? std::numeric_limits<int64_t>::max()
                         : start + length;
      end = stop <= from ? begin : byte_offset(s, stop - 1);
    }
    return s.substr(begin, end - begin);
  });
}

Result<Vec> btrim_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return trim_kernel(call, args, n, true, true);
}
Result<Vec> ltrim_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return trim_kernel(call, args, n, true, false);
}
Result<Vec> rtrim_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return trim_kernel(call, args, n, false, true);
}

Result<Vec> replace_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return text_rows(call, args, n, [&](size_t i, std::string& out) {
    std::string_view s = str(args[0], i), from = str(args[1], i), to = str(args[2], i);
    if (from.empty()) {
      out.append(s);
      return Status::ok();
    }
    size_t done = 0;
    for (size_t hit = s.find(from); hit != std::string_view::npos; hit = s.find(from, done)) {
      out.append(s.substr(done, hit - done)).append(to);
      done = hit + from.size();
    }
    out.append(s.substr(done));
    return Status::ok();
  });
}

// LEFT(s, n): the first n characters; a negative n drops the last -n.
Result<Vec> left_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return slice_rows(call, args, n, [&](size_t i) -> Result<std::string_view> {
    std::string_view s = str(args[0], i);
    int64_t count = integer(args[1], i);
    if (count < 0) count = std::max<int64_t>(character_count(s) + std::max<int64_t>(count, -INT64_MAX), 0);
    return s.substr(0, byte_offset(s, count));
  });
}

// RIGHT(s, n): the last n characters; a negative n drops the first -n.
Result<Vec> right_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return slice_rows(call, args, n, [&](size_t i) -> Result<std::string_view> {
    std::string_view s = str(args[0], i);
    int64_t count = integer(args[1], i);
    int64_t skip = count < 0 ? std::min<int64_t>(-std::max<int64_t>(count, -INT64_MAX), INT64_MAX)
                             : std::max<int64_t>(character_count(s) - count, 0);
    return s.substr(byte_offset(s, skip));
  });
}

Result<Vec> lpad_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return pad_kernel(call, args, n, true);
}
Result<Vec> rpad_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return pad_kernel(call, args, n, false);
}

// SPLIT_PART(s, delimiter, n): the n-th field, 1-based; a negative n counts from the end.
Result<Vec> split_part_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  return slice_rows(call, args, n, [&](size_t i) -> Result<std::string_view> {
    std::string_view s = str(args[0], i), delimiter = str(args[1], i);
    int64_t field = integer(args[2], i);
    if (field == 0) return runtime_error("field position must not be zero", call);
    if (s.empty()) return s;
    if (delimiter.empty()) return field == 1 || field == -1 ? s : s.substr(0, 0);
    std::vector<size_t> starts{0};  // of each field
    for (size_t hit = s.find(delimiter); hit != std::string_view::npos;
         hit = s.find(delimiter, hit + delimiter.size()))
      starts.push_back(hit + delimiter.size());
    const auto fields = static_cast<int64_t>(starts.size());
    int64_t index = field > 0 ? field - 1 : fields + field;
    if (index < 0 || index >= fields) return s.substr(0, 0);
    size_t begin = starts[static_cast<size_t>(index)];
    size_t end = index + 1 < fields ? starts[static_cast<size_t>(index) + 1] - delimiter.size() : s.size();
    return s.substr(begin, end - begin);
  });
}

// STRPOS(s, sub), POSITION(sub IN s): the character position of the first match, 0 for none.
Result<Vec> strpos_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    std::string_view s = str(args[0], i);
    size_t hit = s.find(str(args[1], i));
    out.ints[i] = hit == std::string_view::npos ? 0 : character_count(s.substr(0, hit)) + 1;
  }
  return out;
}

Result<Vec> starts_with_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  for (size_t i = 0; i < out.size; ++i) {
    if (out.is_valid(i)) out.bools[i] = str(args[0], i).substr(0, str(args[1], i).size()) == str(args[1], i);
  }
  return out;
}

// REGEXP_LIKE(s, pattern[, flags]); `s ~ p` is REGEXP_LIKE(s, p), `~*` adds 'i'.
Result<Vec> regexp_like_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  RegexCache cache(call);
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    RegexFlags flags;
    if (args.size() > 2) {
      auto parsed = parse_regex_flags(str(args[2], i), false, "regexp_like");
      if (!parsed.is_ok()) return runtime_error(parsed.status().message(), call);
      flags = *parsed;
    }
    RBC_ASSIGN_OR_RETURN(Regex::Matcher * matcher, cache.matcher(str(args[1], i), flags.ignore_case));
    auto found = matcher->search(str(args[0], i));
    if (!found.is_ok()) return runtime_error(found.status().message(), call);
    out.bools[i] = *found ? 1 : 0;
  }
  return out;
}

// REGEXP_REPLACE(s, pattern, replacement[, flags]).
Result<Vec> regexp_replace_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  RegexCache cache(call);
  return text_rows(call, args, n, [&](size_t i, std::string& out) -> Status {
    RegexFlags flags;
    if (args.size() > 3) {
      auto parsed = parse_regex_flags(str(args[3], i), true, "regexp_replace");
      if (!parsed.is_ok()) return runtime_error(parsed.status().message(), call);
      flags = *parsed;
    }
    auto matcher = cache.matcher(str(args[1], i), flags.ignore_case);
    if (!matcher.is_ok()) return matcher.status();
    Status status = (*matcher)->replace(str(args[0], i), str(args[2], i), flags.global, out);
    return status.is_ok() ? status : runtime_error(status.message(), call);
  });
}

bool bind_regexp_like(Call& call, CallBinder& binder) { return prepare_regex(call, binder, 2, false); }
bool bind_regexp_replace(Call& call, CallBinder& binder) { return prepare_regex(call, binder, 3, true); }

}  // namespace rbc::sql
