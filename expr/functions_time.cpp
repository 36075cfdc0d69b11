// Kernels of the date and time functions (the table is in functions.cpp): DATE_TRUNC,
// EXTRACT (numeric, as PostgreSQL 14+), DATE_PART (float8) and NOW. Dates are days and
// timestamps microseconds since 1970-01-01 on the proleptic Gregorian calendar, as
// PostgreSQL's; a timestamptz is read in UTC (rbc has no session time zone).
#include <chrono>
#include <climits>
#include <cmath>
#include <optional>

#include "expr/function_kernels.h"

namespace rbc::sql {

namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's civil calendar algorithms; the year is astronomical (0 = 1 BC).
struct Civil {
  int64_t year;
  int month;
  int day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// 1 (Monday) .. 7 (Sunday); 1970-01-01 was a Thursday.
int iso_weekday(int64_t days) { return static_cast<int>(days + 3 - floor_div(days + 3, 7) * 7) + 1; }

// The fields of a point in time, as PostgreSQL's struct pg_tm.
struct Fields {
  int64_t days;  // since 1970-01-01
  Civil date;
  int64_t micros_of_day;
};

Fields fields_of(int64_t micros) {
  Fields f;
  f.days = floor_div(micros, kMicrosPerDay);
  f.micros_of_day = micros - f.days * kMicrosPerDay;
  f.date = civil_from_days(f.days);
  return f;
}

// A date's fields: its midnight, also past the last timestamp (PostgreSQL 14+ extracts
// from a date without converting it).
Fields fields_of_date(int64_t days) { return {days, civil_from_days(days), 0}; }

// PostgreSQL's infinities are each type's extreme values: +1, -1, or 0 for a finite value.
int infinity_sign(const Vec& v, size_t i) {
  const int64_t x = v.ints[at(v, i)];
  if (v.type.id == TypeId::date) return x == INT32_MAX ? 1 : x == INT32_MIN ? -1 : 0;
  return x == INT64_MAX ? 1 : x == INT64_MIN ? -1 : 0;
}

void set_null(Vec& out, size_t i) {
  if (out.valid.empty()) out.valid.assign(out.size, 1);
  out.valid[i] = 0;
}

// PostgreSQL's first timestamp, 4714-11-24 00:00:00 BC (its MIN_TIMESTAMP), in rbc's epoch;
// its last (294276) is past rbc's, whose last value stands for infinity.
constexpr int64_t kMinTimestamp = -211813488000000000 - 946684800000000;

// ---- units ----------------------------------------------------------------------------

enum class Unit {
  microseconds,
  milliseconds,
  second,
  minute,
  hour,
  day,
  week,
  month,
  quarter,
  year,
  decade,
  century,
  millennium,
  // EXTRACT and DATE_PART only:
  dow,
  isodow,
  doy,
  isoyear,
  epoch,
};

// PostgreSQL's spellings (its deltatktbl, plus the EXTRACT-only words), looked up as it
// does: lower case, cut to 10 characters.
std::optional<Unit> parse_unit(std::string_view text) {
  std::string word;
  for (char c : text.substr(0, 10)) word.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
  static const std::pair<const char*, Unit> words[] = {
      {"microsecon", Unit::microseconds},
      {"us", Unit::microseconds},
      {"usec", Unit::microseconds},
      {"usecs", Unit::microseconds},
      {"millisecon", Unit::milliseconds},
      {"ms", Unit::milliseconds},
      {"msec", Unit::milliseconds},
      {"msecs", Unit::milliseconds},
      {"second", Unit::second},
      {"s", Unit::second},
      {"sec", Unit::second},
      {"seconds", Unit::second},
      {"secs", Unit::second},
      {"minute", Unit::minute},
      {"m", Unit::minute},
      {"min", Unit::minute},
      {"mins", Unit::minute},
      {"minutes", Unit::minute},
      {"hour", Unit::hour},
      {"h", Unit::hour},
      {"hr", Unit::hour},
      {"hrs", Unit::hour},
      {"hours", Unit::hour},
      {"day", Unit::day},
      {"d", Unit::day},
      {"days", Unit::day},
      {"week", Unit::week},
      {"w", Unit::week},
      {"weeks", Unit::week},
      {"month", Unit::month},
      {"mon", Unit::month},
      {"mons", Unit::month},
      {"months", Unit::month},
      {"quarter", Unit::quarter},
      {"qtr", Unit::quarter},
      {"year", Unit::year},
      {"y", Unit::year},
      {"yr", Unit::year},
      {"yrs", Unit::year},
      {"years", Unit::year},
      {"decade", Unit::decade},
      {"dec", Unit::decade},
      {"decades", Unit::decade},
      {"decs", Unit::decade},
      {"century", Unit::century},
      {"c", Unit::century},
      {"cent", Unit::century},
      {"centuries", Unit::century},
      {"millennium", Unit::millennium},
      {"mil", Unit::millennium},
      {"millennia", Unit::millennium},
      {"mils", Unit::millennium},
      {"dow", Unit::dow},
      {"isodow", Unit::isodow},
      {"doy", Unit::doy},
      {"isoyear", Unit::isoyear},
      {"epoch", Unit::epoch},
  };
  for (const auto& [spelling, unit] : words) {
    if (word == spelling) return unit;
  }
  return std::nullopt;
}

bool is_time_of_day(Unit unit) { return unit <= Unit::hour; }

// The unit, or PostgreSQL's error for it: "unit "x" not recognized for type timestamp",
// or "... not supported ..." for one that DATE_TRUNC or a date cannot take.
Result<Unit> unit_for(std::string_view text, const DataType& type, bool truncating) {
  auto unit = parse_unit(text);
  const std::string name = "\"" + std::string(text) + "\"";
  if (!unit || (truncating && *unit > Unit::millennium)) {
    return Status::invalid("unit " + name + " not recognized for type " + type.to_string());
  }
  if (!truncating && type.id == TypeId::date && is_time_of_day(*unit)) {
    return Status::invalid("unit " + name + " not supported for type date");
  }
  return *unit;
}

// ---- the computations -----------------------------------------------------------------

// `count` units of `size` microseconds; nullopt past the range of a timestamp.
std::optional<int64_t> checked_micros(int64_t count, int64_t size) {
  int64_t out = 0;
  if (__builtin_mul_overflow(count, size, &out) || out < kMinTimestamp || out == INT64_MAX)
    return std::nullopt;
  return out;
}

// DATE_TRUNC of a finite timestamp (microseconds), as PostgreSQL's timestamp_trunc;
// nullopt when the start of the unit is before PostgreSQL's first timestamp.
std::optional<int64_t> truncate(int64_t micros, Unit unit) {
  Fields f = fields_of(micros);
  switch (unit) {
    case Unit::microseconds: return checked_micros(micros, 1);
    case Unit::milliseconds: return checked_micros(floor_div(micros, 1000), 1000);
    case Unit::second: return checked_micros(floor_div(micros, kMicrosPerSecond), kMicrosPerSecond);
    case Unit::minute: return checked_micros(floor_div(micros, 60 * kMicrosPerSecond), 60 * kMicrosPerSecond);
    case Unit::hour:
      return checked_micros(floor_div(micros, 3600 * kMicrosPerSecond), 3600 * kMicrosPerSecond);
    case Unit::day: return checked_micros(f.days, kMicrosPerDay);
    case Unit::week: return checked_micros(f.days - (iso_weekday(f.days) - 1), kMicrosPerDay);
    default: break;
  }
  int64_t year = f.date.year;
  int month = f.date.month;
  switch (unit) {
    case Unit::millennium:
      year = year > 0 ? ((year + 999) / 1000) * 1000 - 999 : -((999 - (year - 1)) / 1000) * 1000 + 1;
      month = 1;
      break;
    case Unit::century:
      year = year > 0 ? ((year + 99) / 100) * 100 - 99 : -((99 - (year - 1)) / 100) * 100 + 1;
      month = 1;
      break;
    case Unit::decade:
      year = year > 0 ? (year / 10) * 10 : -((8 - (year - 1)) / 10) * 10;
      month = 1;
      break;
    case Unit::year: month = 1; break;
    case Unit::quarter: month = 3 * ((month - 1) / 3) + 1; break;
    default: break;  // month
  }
  return checked_micros(days_from_civil(year, month, 1), kMicrosPerDay);
}

// EXTRACT's value of a timestamp's or a date's fields, unscaled at `scale`; `epoch` is
// the timestamp's microseconds or the date's seconds.
int64_t extract_value(const Fields& f, int64_t epoch, Unit unit) {
  const int64_t year = f.date.year;
  const int64_t micros_of_minute = f.micros_of_day % (60 * kMicrosPerSecond);
  auto iso = [&](bool want_year) {
    const int64_t thursday = f.days - (iso_weekday(f.days) - 1) + 3;
    const int64_t iso_year = civil_from_days(thursday).year;
    return want_year ? iso_year : (thursday - days_from_civil(iso_year, 1, 1)) / 7 + 1;
  };
  switch (unit) {
    case Unit::microseconds:
    case Unit::milliseconds:
    case Unit::second: return micros_of_minute;  // at scale 0, 3, 6
    case Unit::minute: return f.micros_of_day / (60 * kMicrosPerSecond) % 60;
    case Unit::hour: return f.micros_of_day / (3600 * kMicrosPerSecond);
    case Unit::day: return f.date.day;
    case Unit::week: return iso(false);
    case Unit::month: return f.date.month;
    case Unit::quarter: return (f.date.month - 1) / 3 + 1;
    case Unit::year: return year > 0 ? year : year - 1;
    case Unit::decade: return year >= 0 ? year / 10 : -((8 - (year - 1)) / 10);
    case Unit::century: return year > 0 ? (year + 99) / 100 : -((99 - (year - 1)) / 100);
    case Unit::millennium: return year > 0 ? (year + 999) / 1000 : -((999 - (year - 1)) / 1000);
    case Unit::dow: return iso_weekday(f.days) % 7;
    case Unit::isodow: return iso_weekday(f.days);
    case Unit::doy: return f.days - days_from_civil(year, 1, 1) + 1;
    case Unit::isoyear: {
      const int64_t y = iso(true);
      return y > 0 ? y : y - 1;
    }
    case Unit::epoch: return epoch;  // at scale 0 (a date), 6
  }
  return 0;
}

// The fields that grow with time: of an infinite value, EXTRACT and DATE_PART give the
// infinity of the value's sign, the others NULL (PostgreSQL's NonFiniteTimestampTzPart).
bool is_monotonic(Unit unit) {
  switch (unit) {
    case Unit::year:
    case Unit::decade:
    case Unit::century:
    case Unit::millennium:
    case Unit::isoyear:
    case Unit::epoch: return true;
    default: return false;
  }
}

// EXTRACT's scale: PostgreSQL's numeric results.
uint8_t extract_scale(Unit unit, bool from_date) {
  switch (unit) {
    case Unit::second: return 6;
    case Unit::milliseconds: return 3;
    case Unit::epoch: return from_date ? 0 : 6;
    default: return 0;
  }
}

// DATE_PART's float8, computed as PostgreSQL does.
double date_part_value(int64_t micros, Unit unit) {
  Fields f = fields_of(micros);
  const int64_t micros_of_minute = f.micros_of_day % (60 * kMicrosPerSecond);
  const auto seconds = static_cast<double>(micros_of_minute / kMicrosPerSecond);
  const auto fraction = static_cast<double>(micros_of_minute % kMicrosPerSecond);
  switch (unit) {
    case Unit::microseconds: return seconds * 1000000.0 + fraction;
    case Unit::milliseconds: return seconds * 1000.0 + fraction / 1000.0;
    case Unit::second: return seconds + fraction / 1000000.0;
    case Unit::epoch: return static_cast<double>(micros) / 1000000.0;
    default: return static_cast<double>(extract_value(f, micros, unit));
  }
}

// A date or timestamp value as microseconds; false when a date is out of range.
bool micros_of(const Vec& v, size_t i, int64_t* out) {
  int64_t x = v.ints[at(v, i)];
  if (v.type.id != TypeId::date) {
    *out = x;
    return true;
  }
  return !__builtin_mul_overflow(x, kMicrosPerDay, out);
}

// The temporal argument: a date or timestamp; a 'string' or NULL literal reads as timestamp.
bool bind_temporal(Call& call, CallBinder& binder, size_t index) {
  ExprPtr& arg = call.args[index];
  if (arg->null_literal || arg->untyped_string) arg = binder.coerce(arg, DataType{TypeId::timestamp});
  if (!arg) return false;
  const TypeId id = arg->type.id;
  if (id != TypeId::date && id != TypeId::timestamp && id != TypeId::timestamptz) {
    binder.error(arg->offset, call.display + " needs a date or timestamp, not " + arg->type.to_string());
    return false;
  }
  return true;
}

// Checks a constant unit now (located at it); a column's is checked per row.
bool check_constant_unit(Call& call, CallBinder& binder, const DataType& type, bool truncating,
                         std::optional<Unit>* unit = nullptr) {
  const Expr& u = *call.args[0];
  if (u.kind != ExprKind::constant || !u.value.is_valid(0)) return true;
  auto parsed = unit_for(u.value.strings[0], type, truncating);
  if (!parsed.is_ok()) {
    binder.error(u.offset, parsed.status().message());
    return false;
  }
  if (unit) *unit = *parsed;
  return true;
}

// Rows of a kernel whose first argument is a unit: the unit parsed once per value.
class UnitCache {
 public:
  UnitCache(const DataType& type, bool truncating) : type_(type), truncating_(truncating) {}
  Result<Unit> get(std::string_view text) {
    if (!unit_ || text != text_) {
      RBC_ASSIGN_OR_RETURN(unit_, unit_for(text, type_, truncating_));
      text_ = std::string(text);
    }
    return *unit_;
  }

 private:
  DataType type_;
  bool truncating_;
  std::string text_;
  std::optional<Unit> unit_;
};

}  // namespace

// DATE_TRUNC(unit, x): x's type for a timestamp, timestamptz for a date (PostgreSQL's
// date -> timestamptz conversion, at UTC midnight).
bool bind_date_trunc(Call& call, CallBinder& binder) {
  if (!bind_temporal(call, binder, 1)) return false;
  const DataType& type = call.args[1]->type;
  call.type = type.id == TypeId::date ? DataType{TypeId::timestamptz} : type;
  return check_constant_unit(call, binder, call.type, true);
}

Result<Vec> date_trunc_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  UnitCache units(call.type, true);
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    // An infinity stays itself whatever the unit, as in PostgreSQL (which looks at it first).
    if (int sign = infinity_sign(args[1], i)) {
      out.ints[i] = sign > 0 ? INT64_MAX : INT64_MIN;
      continue;
    }
    auto unit = units.get(args[0].strings[at(args[0], i)]);
    if (!unit.is_ok()) return runtime_error(unit.status().message(), call);
    int64_t micros = 0;
    if (!micros_of(args[1], i, &micros)) return runtime_error("date out of range for timestamp", call);
    std::optional<int64_t> start = truncate(micros, *unit);
    if (!start) return runtime_error("timestamp out of range", call);
    out.ints[i] = *start;
  }
  return out;
}

// EXTRACT(field FROM x) is extract('field', x): numeric, with PostgreSQL's scale per field.
bool bind_extract(Call& call, CallBinder& binder) {
  if (!bind_temporal(call, binder, 1)) return false;
  std::optional<Unit> unit;
  if (!check_constant_unit(call, binder, call.args[1]->type, false, &unit)) return false;
  const bool from_date = call.args[1]->type.id == TypeId::date;
  call.type = DataType{TypeId::decimal, 0, unit ? extract_scale(*unit, from_date) : uint8_t(6)};
  return true;
}

Result<Vec> extract_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  const bool from_date = args[1].type.id == TypeId::date;
  UnitCache units(args[1].type, false);
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    auto unit = units.get(args[0].strings[at(args[0], i)]);
    if (!unit.is_ok()) return runtime_error(unit.status().message(), call);
    const int64_t x = args[1].ints[at(args[1], i)];
    if (int sign = infinity_sign(args[1], i)) {
      if (!is_monotonic(*unit)) {
        set_null(out, i);
        continue;
      }
      // PostgreSQL's answer is numeric (-)Infinity, which a decimal cannot hold.
      return runtime_error(std::string("EXTRACT of ") + (sign > 0 ? "infinity" : "-infinity") + " is " +
                               (sign > 0 ? "Infinity" : "-Infinity") +
                               ", which rbc's decimal cannot hold; DATE_PART gives it as a float64",
                           call);
    }
    const Fields f = from_date ? fields_of_date(x) : fields_of(x);
    int64_t value = extract_value(f, from_date ? f.days * 86400 : x, *unit);
    // The bind hook chose the scale from the constant field.
    const int shift = call.type.scale - extract_scale(*unit, from_date);
    out.decimals[i] = static_cast<__int128>(value) * (shift == 3 ? 1000 : shift == 6 ? 1000000 : 1);
  }
  return out;
}

// DATE_PART('field', x): float8; a date reads as its midnight.
bool bind_date_part(Call& call, CallBinder& binder) {
  if (!bind_temporal(call, binder, 1)) return false;
  const DataType& type = call.args[1]->type;
  const DataType as = type.id == TypeId::date ? DataType{TypeId::timestamp} : type;
  return check_constant_unit(call, binder, as, false);
}

Result<Vec> date_part_kernel(const Expr& call, std::vector<Vec>& args, size_t n) {
  Vec out = strict_result(call, args, n);
  const DataType as = args[1].type.id == TypeId::date ? DataType{TypeId::timestamp} : args[1].type;
  UnitCache units(as, false);
  for (size_t i = 0; i < out.size; ++i) {
    if (!out.is_valid(i)) continue;
    auto unit = units.get(args[0].strings[at(args[0], i)]);
    if (!unit.is_ok()) return runtime_error(unit.status().message(), call);
    if (int sign = infinity_sign(args[1], i)) {
      if (is_monotonic(*unit)) {
        out.floats[i] = sign > 0 ? HUGE_VAL : -HUGE_VAL;
      } else {
        set_null(out, i);
      }
      continue;
    }
    int64_t micros = 0;
    if (!micros_of(args[1], i, &micros)) return runtime_error("date out of range for timestamp", call);
    out.floats[i] = date_part_value(micros, *unit);
  }
  return out;
}

// NOW(), CURRENT_TIMESTAMP: the time the process first asked, the same for the whole run.
Result<Vec> now_kernel(const Expr& call, std::vector<Vec>& /*args*/, size_t /*rows*/) {
  static const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  Vec out = make_vec(call.type, 1);
  out.constant = true;
  out.ints[0] = now;
  return out;
}

}  // namespace rbc::sql
