// The aggregate functions (aggregates.h): result types and NULL rules as PostgreSQL's,
// where rbc's types allow (docs/pipeline.md lists the differences). One file: the table
// and its state classes are one list, each entry a few lines.
#include "expr/aggregates.h"

#include <absl/container/flat_hash_set.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cmath>

#include "expr/group_key.h"
#include "expr/kernel.h"
#include "expr/pow10.h"

namespace rbc::sql {
namespace {

// ---- helpers ----------------------------------------------------------------------------

// What a string holds beyond its own object (nothing while it fits the small-string buffer).
inline size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

// The value of row k of `v` (its only value when constant).
inline size_t at(const Vec& v, const uint32_t* rows, size_t k) { return v.constant ? 0 : rows[k]; }

// Calls f(k, j) for every k < count whose argument value j (row rows[k] of `v`) is not NULL:
// the loop every aggregate's update shares (aggregates skip NULLs).
template <typename F>
void each_value(const Vec& v, const uint32_t* rows, size_t count, F&& f) {
  for (size_t k = 0; k < count; ++k) {
    size_t j = at(v, rows, k);
    if (v.is_valid(j)) f(k, j);
  }
}

const __int128 kMaxDecimal = pow10_i128(38) - 1;

bool add_decimal(__int128& into, __int128 value) {
  into += value;
  return into <= kMaxDecimal && into >= -kMaxDecimal;
}

// A vector of `count` values of `type` with every value NULL until set.
Vec null_vec(const DataType& type, size_t count) {
  Vec out = make_vec(type, count);
  out.valid.assign(count, 0);
  return out;
}

// ---- COUNT --------------------------------------------------------------------------------

class CountStates final : public AggregateStates {
 public:
  explicit CountStates(bool star) : star_(star) {}
  void resize(size_t groups) override { counts_.resize(groups, 0); }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    if (star_ || args[0].all_valid()) {
      for (size_t k = 0; k < count; ++k) ++counts_[groups[k]];
      return Status::ok();
    }
    for (size_t k = 0; k < count; ++k) counts_[groups[k]] += args[0].is_valid(at(args[0], rows, k));
    return Status::ok();
  }
  Status merge(const AggregateStates& other, const uint32_t* into) override {
    const auto& from = static_cast<const CountStates&>(other).counts_;
    for (size_t g = 0; g < from.size(); ++g) counts_[into[g]] += from[g];
    return Status::ok();
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = make_vec(DataType{TypeId::int64}, count);
    for (size_t k = 0; k < count; ++k) out.ints[k] = counts_[groups[k]];
    return out;
  }
  size_t bytes() const override { return counts_.capacity() * sizeof(int64_t); }

 private:
  bool star_;
  std::vector<int64_t> counts_;
};

// ---- SUM and AVG --------------------------------------------------------------------------

// Sums in the accumulator type T: int64 for SUM of int16/int32 (PostgreSQL's bigint:
// overflow is an error), __int128 for int64 and decimals (38 digits, then an error),
// double for floats. AVG divides by the count at the end.
template <typename T>
class SumStates final : public AggregateStates {
 public:
  SumStates(const AggregateCall& call, bool average) : call_(call), average_(average) {
    const DataType& in = call.args[0]->type;
    in_scale_ = in.id == TypeId::decimal ? in.scale : 0;
  }
  void resize(size_t groups) override {
    sums_.resize(groups, T{});
    counts_.resize(groups, 0);
  }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    const Vec& v = args[0];
    for (size_t k = 0; k < count; ++k) {
      size_t j = at(v, rows, k);
      if (!v.is_valid(j)) continue;
      RBC_RETURN_NOT_OK(add(sums_[groups[k]], value(v, j)));
      ++counts_[groups[k]];
    }
    return Status::ok();
  }
  Status merge(const AggregateStates& other, const uint32_t* into) override {
    const auto& from = static_cast<const SumStates&>(other);
    for (size_t g = 0; g < from.sums_.size(); ++g) {
      RBC_RETURN_NOT_OK(add(sums_[into[g]], from.sums_[g]));
      counts_[into[g]] += from.counts_[g];
    }
    return Status::ok();
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = null_vec(call_.type, count);
    for (size_t k = 0; k < count; ++k) {
      const size_t g = groups[k];
      if (counts_[g] == 0) continue;  // SUM and AVG of nothing are NULL
      out.valid[k] = 1;
      if constexpr (std::is_same_v<T, double>) {
        out.floats[k] = average_ ? sums_[g] / static_cast<double>(counts_[g]) : sums_[g];
      } else if constexpr (std::is_same_v<T, int64_t>) {
        out.ints[k] = sums_[g];
      } else if (!average_) {
        out.decimals[k] = sums_[g];
      } else {
        // sum has the input's scale; the average has the call's (at least 16 digits).
        __int128 scaled = sums_[g];
        const int up = call_.type.scale - in_scale_;
        if (__builtin_mul_overflow(scaled, pow10_i128(up), &scaled))
          return runtime_error("numeric field overflow", *call_.args[0]);
        out.decimals[k] = divide_rounded(scaled, counts_[g]);
      }
    }
    return out;
  }
  size_t bytes() const override {
    return sums_.capacity() * sizeof(T) + counts_.capacity() * sizeof(int64_t);
  }

 private:
  static T value(const Vec& v, size_t j) {
    if constexpr (std::is_same_v<T, double>) {
      return v.floats[j];
    } else if constexpr (std::is_same_v<T, int64_t>) {
      return v.ints[j];
    } else {
      return v.physical() == Physical::decimal ? v.decimals[j] : static_cast<__int128>(v.ints[j]);
    }
  }
  Status add(T& into, T value) const {
    if constexpr (std::is_same_v<T, double>) {
      into += value;
    } else if constexpr (std::is_same_v<T, int64_t>) {
      if (__builtin_add_overflow(into, value, &into))
        return runtime_error("bigint out of range", *call_.args[0]);
    } else {
      if (!add_decimal(into, value)) return runtime_error("numeric field overflow", *call_.args[0]);
    }
    return Status::ok();
  }

  const AggregateCall& call_;
  bool average_;
  int in_scale_ = 0;
  std::vector<T> sums_;
  std::vector<int64_t> counts_;
};

// ---- MIN and MAX --------------------------------------------------------------------------

// PostgreSQL's float order: NaN above every number, -0.0 equal to 0.0.
inline bool float_less(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

template <Physical P>
class MinMaxStates final : public AggregateStates {
 public:
  MinMaxStates(const AggregateCall& call, bool max) : type_(call.type), max_(max) {}
  void resize(size_t groups) override {
    values_.resize(groups);
    seen_.resize(groups, 0);
  }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    const Vec& v = args[0];
    each_value(v, rows, count, [&](size_t k, size_t j) { fold(groups[k], read(v, j)); });
    return Status::ok();
  }
  Status merge(const AggregateStates& other, const uint32_t* into) override {
    const auto& from = static_cast<const MinMaxStates&>(other);
    for (size_t g = 0; g < from.values_.size(); ++g) {
      if (from.seen_[g]) fold(into[g], from.values_[g]);
    }
    return Status::ok();
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = null_vec(type_, count);
    std::unique_ptr<TextBuilder> text;
    if constexpr (P == Physical::string) text = std::make_unique<TextBuilder>(count);
    for (size_t k = 0; k < count; ++k) {
      const size_t g = groups[k];
      out.valid[k] = seen_[g];
      if constexpr (P == Physical::int64) out.ints[k] = values_[g];
      if constexpr (P == Physical::float64) out.floats[k] = values_[g];
      if constexpr (P == Physical::decimal) out.decimals[k] = values_[g];
      if constexpr (P == Physical::boolean) out.bools[k] = values_[g];
      if constexpr (P == Physical::string) {
        text->buffer().append(values_[g]);
        text->finish_row(k);
      }
    }
    if constexpr (P == Physical::string) text->finish(out);
    return out;
  }
  size_t bytes() const override { return values_.capacity() * sizeof(Value) + seen_.capacity() + heap_; }

 private:
  using Value = std::conditional_t<
      P == Physical::int64, int64_t,
      std::conditional_t<
          P == Physical::float64, double,
          std::conditional_t<P == Physical::decimal, __int128,
                             std::conditional_t<P == Physical::boolean, uint8_t, std::string>>>>;
  using Arg = std::conditional_t<P == Physical::string, std::string_view, Value>;

  static Arg read(const Vec& v, size_t j) {
    if constexpr (P == Physical::int64) return v.ints[j];
    if constexpr (P == Physical::float64) return v.floats[j];
    if constexpr (P == Physical::decimal) return v.decimals[j];
    if constexpr (P == Physical::boolean) return v.bools[j];
    if constexpr (P == Physical::string) return v.strings[j];
  }
  static bool less(const Arg& a, const Value& b) {
    if constexpr (P == Physical::float64) {
      return float_less(a, b);
    } else if constexpr (P == Physical::string) {
      return a < std::string_view(b);
    } else {
      return a < b;
    }
  }
  static bool greater(const Arg& a, const Value& b) {
    if constexpr (P == Physical::float64) {
      return float_less(b, a);
    } else if constexpr (P == Physical::string) {
      return std::string_view(b) < a;
    } else {
      return b < a;
    }
  }
  void fold(size_t g, const Arg& value) {
    // An equal value replaces the kept one, as in PostgreSQL (MIN(0.0, -0.0) is -0.0).
    if (!seen_[g] || (max_ ? !less(value, values_[g]) : !greater(value, values_[g]))) {
      if constexpr (P == Physical::string) {
        heap_ -= heap_bytes(values_[g]);
        values_[g].assign(value);
        heap_ += heap_bytes(values_[g]);
      } else {
        values_[g] = value;
      }
      seen_[g] = 1;
    }
  }

  DataType type_;
  bool max_;
  size_t heap_ = 0;  // bytes the strings hold outside their small-string buffer
  std::vector<Value> values_;
  std::vector<uint8_t> seen_;
};

std::unique_ptr<AggregateStates> make_min_max(const AggregateCall& call, bool max) {
  switch (physical_of(call.type)) {
    case Physical::int64: return std::make_unique<MinMaxStates<Physical::int64>>(call, max);
    case Physical::float64: return std::make_unique<MinMaxStates<Physical::float64>>(call, max);
    case Physical::decimal: return std::make_unique<MinMaxStates<Physical::decimal>>(call, max);
    case Physical::boolean: return std::make_unique<MinMaxStates<Physical::boolean>>(call, max);
    case Physical::string: return std::make_unique<MinMaxStates<Physical::string>>(call, max);
  }
  return nullptr;
}

// ---- VARIANCE and STDDEV ------------------------------------------------------------------

// PostgreSQL's float8_accum (Youngs and Cramer): N, Sx and Sxx = sum((x - mean)^2),
// updated per value and combined per group without losing precision to cancellation.
class VarianceStates final : public AggregateStates {
 public:
  VarianceStates(bool sample, bool root) : sample_(sample), root_(root) {}
  void resize(size_t groups) override { acc_.resize(groups); }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    const Vec& v = args[0];
    each_value(v, rows, count, [&](size_t k, size_t j) {
      double x = v.physical() == Physical::float64 ? v.floats[j]
                 : v.physical() == Physical::decimal
                     ? static_cast<double>(v.decimals[j]) / static_cast<double>(pow10_i128(v.type.scale))
                     : static_cast<double>(v.ints[j]);
      Acc& a = acc_[groups[k]];
      a.n += 1;
      a.sx += x;
      if (a.n > 1) {
        double t = x * a.n - a.sx;
        a.sxx += t * t / (a.n * (a.n - 1));
      }
    });
    return Status::ok();
  }
  Status merge(const AggregateStates& other, const uint32_t* into) override {
    const auto& from = static_cast<const VarianceStates&>(other).acc_;
    for (size_t g = 0; g < from.size(); ++g) {
      const Acc& b = from[g];
      Acc& a = acc_[into[g]];
      if (b.n == 0) continue;
      if (a.n == 0) {
        a = b;
        continue;
      }
      double n = a.n + b.n;
      double t = a.sx / a.n - b.sx / b.n;
      a.sxx = a.sxx + b.sxx + a.n * b.n * t * t / n;
      a.sx += b.sx;
      a.n = n;
    }
    return Status::ok();
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = null_vec(DataType{TypeId::float64}, count);
    for (size_t k = 0; k < count; ++k) {
      const Acc& a = acc_[groups[k]];
      if (a.n == 0 || (sample_ && a.n == 1)) continue;
      double variance = a.sxx / (sample_ ? a.n - 1 : a.n);
      out.floats[k] = root_ ? std::sqrt(variance) : variance;
      out.valid[k] = 1;
    }
    return out;
  }
  size_t bytes() const override { return acc_.capacity() * sizeof(Acc); }

 private:
  struct Acc {
    double n = 0, sx = 0, sxx = 0;
  };
  bool sample_, root_;
  std::vector<Acc> acc_;
};

// ---- BOOL_AND and BOOL_OR -----------------------------------------------------------------

class BoolStates final : public AggregateStates {
 public:
  explicit BoolStates(bool all) : all_(all) {}
  void resize(size_t groups) override {
    values_.resize(groups, all_ ? 1 : 0);
    seen_.resize(groups, 0);
  }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    const Vec& v = args[0];
    each_value(v, rows, count, [&](size_t k, size_t j) { fold(groups[k], v.bools[j]); });
    return Status::ok();
  }
  Status merge(const AggregateStates& other, const uint32_t* into) override {
    const auto& from = static_cast<const BoolStates&>(other);
    for (size_t g = 0; g < from.values_.size(); ++g) {
      if (from.seen_[g]) fold(into[g], from.values_[g]);
    }
    return Status::ok();
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = null_vec(DataType{TypeId::boolean}, count);
    for (size_t k = 0; k < count; ++k) {
      out.valid[k] = seen_[groups[k]];
      out.bools[k] = values_[groups[k]];
    }
    return out;
  }
  size_t bytes() const override { return values_.capacity() + seen_.capacity(); }

 private:
  void fold(size_t g, uint8_t value) {
    values_[g] = all_ ? (values_[g] && value) : (values_[g] || value);
    seen_[g] = 1;
  }
  bool all_;
  std::vector<uint8_t> values_, seen_;
};

// ---- STRING_AGG ---------------------------------------------------------------------------

// Values joined in the order the group's rows reach its lane; the separator of a value
// goes before it (PostgreSQL: of the second and later values).
class StringAggStates final : public AggregateStates {
 public:
  void resize(size_t groups) override {
    values_.resize(groups);
    seen_.resize(groups, 0);
  }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    const Vec& v = args[0];
    const Vec& separator = args[1];
    each_value(v, rows, count, [&](size_t k, size_t j) {
      const size_t g = groups[k];
      size_t s = at(separator, rows, k);
      heap_ -= heap_bytes(values_[g]);
      if (seen_[g] && separator.is_valid(s)) values_[g].append(separator.strings[s]);
      values_[g].append(v.strings[j]);
      heap_ += heap_bytes(values_[g]);
      seen_[g] = 1;
    });
    return Status::ok();
  }
  Status merge(const AggregateStates&, const uint32_t*) override {
    return Status::internal("STRING_AGG keeps its rows' order: it is not merged across lanes");
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = null_vec(DataType{TypeId::text}, count);
    TextBuilder text(count);
    for (size_t k = 0; k < count; ++k) {
      out.valid[k] = seen_[groups[k]];
      text.buffer().append(values_[groups[k]]);
      text.finish_row(k);
    }
    text.finish(out);
    return out;
  }
  size_t bytes() const override {
    return values_.capacity() * sizeof(std::string) + seen_.capacity() + heap_;
  }

 private:
  std::vector<std::string> values_;
  std::vector<uint8_t> seen_;
  size_t heap_ = 0;
};

// ---- APPROX_COUNT_DISTINCT ----------------------------------------------------------------

// HyperLogLog with 2^12 one-byte registers per group (4 KiB, allocated at the group's first
// value): a standard error of 1.04/sqrt(4096) = 1.6%, exact-ish below ~10k by linear counting.
class HyperLogLogStates final : public AggregateStates {
 public:
  static constexpr int kBits = 12;
  static constexpr size_t kRegisters = size_t{1} << kBits;

  void resize(size_t groups) override { registers_.resize(groups); }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    const Vec& v = args[0];
    std::string key;
    each_value(v, rows, count, [&](size_t k, size_t j) {
      key.clear();
      append_key(key, v, j);
      uint64_t hash = XXH3_64bits(key.data(), key.size());
      auto& regs = registers_[groups[k]];
      if (regs.empty()) allocate(regs);
      size_t index = hash >> (64 - kBits);
      uint8_t rank =
          static_cast<uint8_t>(std::countl_zero((hash << kBits) | (uint64_t{1} << (kBits - 1))) + 1);
      regs[index] = std::max(regs[index], rank);
    });
    return Status::ok();
  }
  Status merge(const AggregateStates& other, const uint32_t* into) override {
    const auto& from = static_cast<const HyperLogLogStates&>(other).registers_;
    for (size_t g = 0; g < from.size(); ++g) {
      if (from[g].empty()) continue;
      auto& regs = registers_[into[g]];
      if (regs.empty()) allocate(regs);
      for (size_t r = 0; r < kRegisters; ++r) regs[r] = std::max(regs[r], from[g][r]);
    }
    return Status::ok();
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    Vec out = make_vec(DataType{TypeId::int64}, count);
    for (size_t k = 0; k < count; ++k) out.ints[k] = estimate(registers_[groups[k]]);
    return out;
  }
  size_t bytes() const override {
    return registers_.capacity() * sizeof(std::vector<uint8_t>) + sketches_ * kRegisters;
  }

 private:
  static int64_t estimate(const std::vector<uint8_t>& regs) {
    if (regs.empty()) return 0;
    const double m = kRegisters;
    double sum = 0;
    size_t zeros = 0;
    for (uint8_t r : regs) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    double estimate = (0.7213 / (1 + 1.079 / m)) * m * m / sum;
    if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / static_cast<double>(zeros));
    return std::llround(estimate);
  }
  void allocate(std::vector<uint8_t>& regs) {
    regs.assign(kRegisters, 0);
    ++sketches_;
  }
  std::vector<std::vector<uint8_t>> registers_;
  size_t sketches_ = 0;
};

// ---- DISTINCT -----------------------------------------------------------------------------

// `f(DISTINCT x)`: each group keeps the set of values it has folded, and passes a value on
// to f's states only the first time.
class DistinctStates final : public AggregateStates {
 public:
  explicit DistinctStates(std::unique_ptr<AggregateStates> inner) : inner_(std::move(inner)) {}
  void resize(size_t groups) override {
    seen_.resize(groups);
    inner_->resize(groups);
  }
  Status update(const std::vector<Vec>& args, const uint32_t* rows, const uint32_t* groups,
                size_t count) override {
    std::vector<uint32_t> fresh_rows, fresh_groups;
    std::string key;
    for (size_t k = 0; k < count; ++k) {
      key.clear();
      append_key(key, args[0], rows[k]);
      if (seen_[groups[k]].insert(key).second) {
        heap_ += sizeof(std::string) + 1 + heap_bytes(key);
        fresh_rows.push_back(rows[k]);
        fresh_groups.push_back(groups[k]);
      }
    }
    return inner_->update(args, fresh_rows.data(), fresh_groups.data(), fresh_rows.size());
  }
  Status merge(const AggregateStates&, const uint32_t*) override {
    return Status::internal("a DISTINCT aggregate's sets are not merged across lanes");
  }
  Result<Vec> result(const uint32_t* groups, size_t count) const override {
    return inner_->result(groups, count);
  }
  size_t bytes() const override { return inner_->bytes() + seen_.capacity() * sizeof(Set) + heap_; }

 private:
  using Set = absl::flat_hash_set<std::string>;
  std::vector<Set> seen_;
  size_t heap_ = 0;  // the sets' entries (their tables grow with them; counted per entry)
  std::unique_ptr<AggregateStates> inner_;
};

// ---- binding: result types ----------------------------------------------------------------

bool sum_type(Call& call, CallBinder& binder) {
  const DataType& in = call.args[0]->type;
  (void)binder;
  if (in.id == TypeId::int16 || in.id == TypeId::int32) {
    call.type = DataType{TypeId::int64};
  } else if (in.id == TypeId::int64) {
    call.type = DataType{TypeId::decimal, 38, 0};  // PostgreSQL's numeric: it cannot overflow
  } else if (in.id == TypeId::decimal) {
    call.type = DataType{TypeId::decimal, 38, in.scale};
  } else {
    call.type = in;
  }
  return true;
}

bool avg_type(Call& call, CallBinder& /*binder*/) {
  const DataType& in = call.args[0]->type;
  if (in.id == TypeId::float32 || in.id == TypeId::float64) {
    call.type = DataType{TypeId::float64};
  } else {
    uint8_t scale = in.id == TypeId::decimal ? std::max<uint8_t>(in.scale, 16) : 16;
    call.type = DataType{TypeId::decimal, 38, scale};
  }
  return true;
}

bool min_max_type(Call& call, CallBinder& binder) {
  ExprPtr& arg = call.args[0];
  if (arg->untyped_string || arg->null_literal) arg = binder.coerce(arg, DataType{TypeId::text});
  if (!arg) return false;
  TypeId id = arg->type.id;
  if (id == TypeId::boolean || id == TypeId::json || id == TypeId::bytes) {
    binder.error(arg->offset,
                 call.display + " needs a number, text, date or timestamp, not " + arg->type.to_string());
    return false;
  }
  call.type = arg->type;
  return true;
}

bool bool_type(Call& call, CallBinder& binder) {
  ExprPtr& arg = call.args[0];
  if (arg->type.id != TypeId::boolean || arg->untyped_string || arg->null_literal) {
    if (!(arg->untyped_string || arg->null_literal)) {
      binder.error(arg->offset, call.display + " needs a boolean, not " + arg->type.to_string());
      return false;
    }
    arg = binder.coerce(arg, DataType{TypeId::boolean});
  }
  return arg != nullptr;
}

bool any_type(Call& call, CallBinder& binder) {
  ExprPtr& arg = call.args[0];
  if (arg->untyped_string || arg->null_literal) arg = binder.coerce(arg, DataType{TypeId::text});
  return arg != nullptr;
}

Signature one(ArgRule rule, DataType type = DataType{TypeId::int64}) {
  return Signature{{Param{rule, DataType{TypeId::float64}}}, false, ResultRule::fixed, type};
}

std::unique_ptr<AggregateStates> make_variance(const AggregateCall& call) {
  const std::string& name = call.function->name;
  return std::make_unique<VarianceStates>(name.ends_with("samp"), name.starts_with("stddev"));
}

}  // namespace

const std::vector<AggregateFunction>& aggregate_functions() {
  static const std::vector<AggregateFunction> table = [] {
    const DataType float64{TypeId::float64};
    std::vector<AggregateFunction> t;
    t.push_back({"count",
                 {},
                 {one(ArgRule::as_is)},
                 true,
                 true,
                 any_type,
                 [](const AggregateCall& c) -> std::unique_ptr<AggregateStates> {
                   return std::make_unique<CountStates>(c.args.empty());
                 }});
    t.push_back({"sum",
                 {},
                 {one(ArgRule::number)},
                 false,
                 false,
                 sum_type,
                 [](const AggregateCall& c) -> std::unique_ptr<AggregateStates> {
                   switch (physical_of(c.type)) {
                     case Physical::float64: return std::make_unique<SumStates<double>>(c, false);
                     case Physical::int64: return std::make_unique<SumStates<int64_t>>(c, false);
                     default: return std::make_unique<SumStates<__int128>>(c, false);
                   }
                 }});
    t.push_back({"avg",
                 {},
                 {one(ArgRule::number)},
                 false,
                 false,
                 avg_type,
                 [](const AggregateCall& c) -> std::unique_ptr<AggregateStates> {
                   if (c.type.id == TypeId::float64) return std::make_unique<SumStates<double>>(c, true);
                   return std::make_unique<SumStates<__int128>>(c, true);
                 }});
    t.push_back({"min", {}, {one(ArgRule::as_is)}, false, false, min_max_type, [](const AggregateCall& c) {
                   return make_min_max(c, false);
                 }});
    t.push_back({"max", {}, {one(ArgRule::as_is)}, false, false, min_max_type, [](const AggregateCall& c) {
                   return make_min_max(c, true);
                 }});
    for (const char* name : {"stddev_samp", "stddev_pop", "var_samp", "var_pop"}) {
      std::vector<std::string> aliases;
      if (std::string(name) == "stddev_samp") aliases = {"stddev"};
      if (std::string(name) == "var_samp") aliases = {"variance"};
      t.push_back({name, aliases, {one(ArgRule::number, float64)}, false, false, nullptr, make_variance});
    }
    t.push_back({"bool_and",
                 {"every"},
                 {one(ArgRule::as_is, DataType{TypeId::boolean})},
                 false,
                 false,
                 bool_type,
                 [](const AggregateCall&) -> std::unique_ptr<AggregateStates> {
                   return std::make_unique<BoolStates>(true);
                 }});
    t.push_back({"bool_or",
                 {},
                 {one(ArgRule::as_is, DataType{TypeId::boolean})},
                 false,
                 false,
                 bool_type,
                 [](const AggregateCall&) -> std::unique_ptr<AggregateStates> {
                   return std::make_unique<BoolStates>(false);
                 }});
    t.push_back(
        {"string_agg",
         {},
         {Signature{
             {Param{ArgRule::text}, Param{ArgRule::text}}, false, ResultRule::fixed, DataType{TypeId::text}}},
         false,
         false,
         nullptr,
         [](const AggregateCall&) -> std::unique_ptr<AggregateStates> {
           return std::make_unique<StringAggStates>();
         }});
    t.push_back({"approx_count_distinct",
                 {},
                 {one(ArgRule::as_is)},
                 false,
                 true,
                 any_type,
                 [](const AggregateCall&) -> std::unique_ptr<AggregateStates> {
                   return std::make_unique<HyperLogLogStates>();
                 }});
    return t;
  }();
  return table;
}

const AggregateFunction* find_aggregate_function(std::string_view name) {
  std::string wanted(name);
  for (auto& c : wanted) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& f : aggregate_functions()) {
    if (f.name == wanted || std::find(f.aliases.begin(), f.aliases.end(), wanted) != f.aliases.end())
      return &f;
  }
  return nullptr;
}

std::vector<std::string> aggregate_function_names() {
  std::vector<std::string> names;
  for (const auto& f : aggregate_functions()) {
    names.push_back(f.name);
    names.insert(names.end(), f.aliases.begin(), f.aliases.end());
  }
  return names;
}

std::unique_ptr<AggregateStates> make_states(const AggregateCall& call) {
  auto states = call.function->make(call);
  if (call.distinct) states = std::make_unique<DistinctStates>(std::move(states));
  return states;
}

}  // namespace rbc::sql
