// Binder: resolves column names, decides every expression's type (PostgreSQL's
// promotion int16 < int32 < int64 < decimal < float64), makes implicit conversions
// explicit casts, gives 'string' literals the type their context needs, and folds
// constant sub-expressions (so `'2024-13-01'::date` fails at compile time, at its offset).
// One file although it is long: the binder is one class, a recursive walk with one method
// per syntax node that shares the input schema, the source positions, the scope (input or
// groups) and the errors; a split would cut the class in two. The free walks over the syntax
// tree (does it aggregate, can its states merge) are in ast_walk.cpp.
#include "expr/binder.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>
#include <utility>

#include "expr/functions.h"
#include "expr/group_key.h"
#include "graph/diagnostic.h"
#include "graph/units.h"
#include "graph/value_format.h"

namespace rbc::sql {

namespace {

namespace x3 = boost::spirit::x3;

struct Span {
  size_t begin = 0;
  size_t end = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

int numeric_rank(TypeId id) {
  switch (id) {
    case TypeId::int16: return 1;
    case TypeId::int32: return 2;
    case TypeId::int64: return 3;
    case TypeId::decimal: return 4;
    case TypeId::float32: return 5;
    case TypeId::float64: return 6;
    default: return 0;
  }
}

bool is_temporal(TypeId id) {
  return id == TypeId::date || id == TypeId::timestamp || id == TypeId::timestamptz;
}
bool is_textual(TypeId id) { return id == TypeId::text || id == TypeId::json || id == TypeId::bytes; }

// The type both sides of a comparison or arithmetic are converted to, if any.
std::optional<DataType> common_type(const DataType& a, const DataType& b) {
  int ra = numeric_rank(a.id), rb = numeric_rank(b.id);
  if (ra && rb) {
    if (a.id == TypeId::float32 && b.id == TypeId::float32) return a;
    if (ra >= 5 || rb >= 5) return DataType{TypeId::float64};
    if (a.id == TypeId::decimal || b.id == TypeId::decimal) {
      uint8_t scale = std::max(a.id == TypeId::decimal ? a.scale : 0, b.id == TypeId::decimal ? b.scale : 0);
      return DataType{TypeId::decimal, 0, scale};
    }
    return ra >= rb ? a : b;
  }
  if (is_temporal(a.id) && is_temporal(b.id)) {
    if (a.id == b.id) return a;
    if (a.id == TypeId::timestamptz || b.id == TypeId::timestamptz) return DataType{TypeId::timestamptz};
    return DataType{TypeId::timestamp};
  }
  if (a.id == b.id) return a;
  return std::nullopt;
}

bool can_cast(const DataType& from, const DataType& to) {
  if (from == to || is_textual(to.id) || is_textual(from.id)) return true;
  if (numeric_rank(from.id) && numeric_rank(to.id)) return true;
  if (from.id == TypeId::boolean &&
      (to.id == TypeId::int16 || to.id == TypeId::int32 || to.id == TypeId::int64)) {
    return true;
  }
  if (to.id == TypeId::boolean &&
      (from.id == TypeId::int16 || from.id == TypeId::int32 || from.id == TypeId::int64)) {
    return true;
  }
  return is_temporal(from.id) && is_temporal(to.id);
}

class Binder {
 public:
  Binder(std::string_view text, const parser::ErrorHandler& positions, const Schema& input,
         std::vector<SqlError>& errors)
      : text_(text), positions_(positions), input_(input), errors_(&errors) {}

  BoundQuery bind(const ast::Query& query) {
    BoundQuery bound;
    if (lower(query.table.name) != "input" || (query.table.quoted && query.table.name != "input")) {
      error(offset(query.table),
            "unknown table '" + query.table.name + "'; a sql transform reads FROM input");
    }
    bound.aggregate = !query.group_by.empty() || query.having.has_value() || query.window.has_value() ||
                      std::any_of(query.items.begin(), query.items.end(),
                                  [](const ast::SelectItem& item) { return contains_aggregate(item.value); });
    if (query.where) {
      context_ = "WHERE";
      ExprPtr where = bind_node(*query.where);
      if (where) bound.where = require_bool(where, "WHERE");
    }
    if (query.limit) bound.limit = query.limit->count;
    if (query.emit) {
      bound.emit = query.emit->mode == ast::EmitMode::changes ? EmitMode::changes : EmitMode::final_rows;
      if (!bound.aggregate)
        error(offset(*query.emit), "EMIT needs an aggregation: GROUP BY or an aggregate function");
    }
    if (bound.aggregate) {
      bind_groups(query, bound);
    } else {
      bind_select_list(query, bound);
    }
    return bound;
  }

 private:
  enum class Scope { input, groups };

  // The GROUP BY keys over the input, then the select list and HAVING over the groups.
  void bind_groups(const ast::Query& query, BoundQuery& bound) {
    context_ = "GROUP BY";
    for (const ast::Chain& item : query.group_by) {
      const ast::Operand* chosen = select_item_named_by(item, query.items);
      ExprPtr key = chosen ? bind(*chosen) : bind_node(item);
      if (!key) continue;
      if (key->untyped_string || key->null_literal) key = coerce(key, DataType{TypeId::text});
      if (!key) continue;
      keys_.push_back(key);
      bound.key_texts.push_back(text_of(chosen ? span(*chosen) : span(item)));
    }
    if (query.window) bound.window = bind_window(*query.window);
    window_ = bound.window ? &*bound.window : nullptr;
    window_failed_ = query.window && !bound.window;
    scope_ = Scope::groups;
    context_ = "the select list";
    bind_select_list(query, bound);
    if (query.having) {
      ExprPtr having = bind_node(*query.having);
      if (having) bound.having = require_bool(having, "HAVING");
    }
    scope_ = Scope::input;
    window_ = nullptr;
    window_failed_ = false;
    if (bound.window && bound.window->kind == WindowKind::session) {
      for (const AggregateCall& call : aggregates_) {
        if (call.distinct || call.function->name == "string_agg")
          error(call.offset, "SESSION windows merge the sessions a row bridges, and " + call.text +
                                 " cannot be merged; use a TUMBLING or HOPPING window");
      }
    }
    bound.keys = keys_;
    bound.aggregates = std::move(aggregates_);
  }

  // The window's kind, time expression (over the input) and durations.
  std::optional<WindowSpec> bind_window(const ast::WindowClause& clause) {
    WindowSpec window;
    const std::string kind = upper(clause.kind.name);
    size_t wanted = 1;
    if (kind == "TUMBLING") {
      window.kind = WindowKind::tumbling;
    } else if (kind == "HOPPING") {
      window.kind = WindowKind::hopping;
      wanted = 2;
    } else if (kind == "SESSION") {
      window.kind = WindowKind::session;
    } else {
      error(offset(clause.kind), "unknown window '" + clause.kind.name + "'; use TUMBLING(time, size), " +
                                     "HOPPING(time, size, advance) or SESSION(time, gap)");
      return std::nullopt;
    }
    if (clause.durations.size() != wanted) {
      error(offset(clause.kind),
            kind + (wanted == 1 ? " takes a time and one duration" : " takes a time, a size and an advance"));
      return std::nullopt;
    }
    std::vector<int64_t> us;
    for (const ast::Duration& duration : clause.durations) {
      std::optional<int64_t> ms = parse_duration_ms(duration.amount + " " + duration.unit);
      if (!ms || *ms <= 0 || *ms > int64_t{1} << 40) {
        error(offset(duration), "invalid duration '" + text_of(span(duration)) +
                                    "': write a positive whole number of ms, s, m, h or d (500ms, 30s, " +
                                    "INTERVAL '1' MINUTE)");
        return std::nullopt;
      }
      us.push_back(*ms * 1000);
    }
    if (window.kind == WindowKind::session) {
      window.gap_us = us[0];
    } else {
      window.size_us = us[0];
      window.advance_us = wanted == 2 ? us[1] : us[0];
      if (window.advance_us > window.size_us) {
        error(offset(clause.durations[1]),
              "a HOPPING window's advance must not exceed its size (rows between windows would belong to "
              "none)");
        return std::nullopt;
      }
      constexpr int64_t kMostWindowsPerRow = 10'000;
      if (window.size_us / window.advance_us > kMostWindowsPerRow) {
        error(offset(clause.durations[1]), "HOPPING puts each row in size / advance = " +
                                               std::to_string(window.size_us / window.advance_us) +
                                               " windows; at most " + std::to_string(kMostWindowsPerRow) +
                                               " (use a larger advance)");
        return std::nullopt;
      }
    }
    context_ = "WINDOW";
    ExprPtr time = bind_node(clause.time);
    if (!time) return std::nullopt;
    switch (time->type.id) {
      case TypeId::timestamp:
      case TypeId::timestamptz: window.column_type = time->type; break;
      case TypeId::date: window.column_type = DataType{TypeId::timestamp}; break;
      case TypeId::int16:
      case TypeId::int32:
      case TypeId::int64: window.column_type = DataType{TypeId::int64}; break;
      default:
        error(offset(clause.time),
              "a window's time must be a timestamp, timestamptz, date or an integer "
              "(epoch milliseconds), not " +
                  time->type.to_string());
        return std::nullopt;
    }
    window.time = time;
    return window;
  }

  // `GROUP BY 2` and `GROUP BY alias` (when no input column has that name) mean a select
  // item, as in PostgreSQL; null when the key is an expression of its own.
  const ast::Operand* select_item_named_by(const ast::Chain& key, const std::vector<ast::SelectItem>& items) {
    const ast::Operand* bare = bare_operand(key);
    if (!bare) return nullptr;
    if (auto* literal = boost::get<ast::Literal>(&bare->get());
        literal && literal->kind == ast::LiteralKind::number) {
      int64_t position = 0;
      if (!parse_int64(literal->text, &position) || position < 1 ||
          position > static_cast<int64_t>(items.size()) ||
          items[position - 1].value.get().type() == typeid(ast::Star)) {
        error(offset(*literal), "GROUP BY position " + literal->text + " is not in the select list");
        return nullptr;
      }
      return &items[position - 1].value;
    }
    if (auto* name = boost::get<ast::Identifier>(&bare->get())) {
      if (input_.index_of(name->name) >= 0) return nullptr;
      for (const auto& item : items) {
        if (item.alias && (item.alias->name == name->name ||
                           (!name->quoted && lower(item.alias->name) == lower(name->name))))
          return &item.value;
      }
    }
    return nullptr;
  }

  // The operand a chain is, when it is nothing more (no operator, suffix or cast).
  static const ast::Operand* bare_operand(const ast::Chain& chain) {
    if (!chain.rest.empty()) return nullptr;
    const ast::Operand* operand = &chain.first;
    while (true) {
      const auto& v = operand->get();
      if (auto* c = boost::get<x3::forward_ast<ast::Chain>>(&v)) {
        if (!c->get().rest.empty()) return nullptr;
        operand = &c->get().first;
      } else if (auto* p = boost::get<x3::forward_ast<ast::Predicate>>(&v)) {
        if (p->get().suffix) return nullptr;
        operand = &p->get().left;
      } else if (auto* cast = boost::get<x3::forward_ast<ast::PostfixCast>>(&v)) {
        if (!cast->get().types.empty()) return nullptr;
        operand = &cast->get().value;
      } else {
        return operand;
      }
    }
  }

  void bind_select_list(const ast::Query& query, BoundQuery& bound) {
    // An output column's name is its header in a file and its column in a table: two of
    // one name could not be read back (PostgreSQL's CREATE TABLE AS refuses them too).
    std::unordered_set<std::string> named;
    auto check_unique = [&](const std::string& name, size_t at) {
      if (named.insert(name).second) return;
      error(at,
            "column '" + name + "' specified more than once in the select list; give one an alias (AS ...)");
    };
    for (size_t i = 0; i < query.items.size(); ++i) {
      const auto& item = query.items[i];
      if (item.value.get().type() == typeid(ast::Star)) {
        if (scope_ == Scope::groups) {
          error(offset(item), "SELECT * cannot be used with GROUP BY or aggregates: name the columns");
          continue;
        }
        for (size_t c = 0; c < input_.size(); ++c) {
          bound.projections.push_back(column_ref(static_cast<int>(c), offset(item), input_.field(c).name));
          bound.names.push_back(input_.field(c).name);
          check_unique(input_.field(c).name, offset(item));
        }
        continue;
      }
      ExprPtr expr = bind(item.value);
      if (!expr) continue;
      if (expr->untyped_string || expr->null_literal) expr = coerce(expr, DataType{TypeId::text});
      if (!expr) continue;
      std::string name;
      if (item.alias) {
        name = item.alias->name;
      } else if (expr->kind == ExprKind::column && is_bare_column(item.value)) {
        name = scope_ == Scope::groups ? bare_column_name(item.value) : input_.field(expr->column).name;
      } else {
        name = "col_" + std::to_string(i + 1);
      }
      bound.projections.push_back(expr);
      bound.names.push_back(name);
      check_unique(name, item.alias ? offset(*item.alias) : offset(item));
    }
  }

  // The input column a bare grouped column names (its own spelling when it is unknown).
  std::string bare_column_name(const ast::Operand& operand) const {
    for (const ast::Operand* at = &operand;;) {
      const auto& v = at->get();
      if (auto* identifier = boost::get<ast::Identifier>(&v)) {
        int index = input_.index_of(identifier->name);
        if (index < 0 && !identifier->quoted) {
          for (size_t c = 0; c < input_.size(); ++c) {
            if (lower(input_.field(c).name) == lower(identifier->name)) index = static_cast<int>(c);
          }
        }
        return index >= 0 ? input_.field(index).name : identifier->name;
      }
      if (auto* chain = boost::get<x3::forward_ast<ast::Chain>>(&v)) {
        at = &chain->get().first;
      } else if (auto* predicate = boost::get<x3::forward_ast<ast::Predicate>>(&v)) {
        at = &predicate->get().left;
      } else if (auto* postfix = boost::get<x3::forward_ast<ast::PostfixCast>>(&v)) {
        at = &postfix->get().value;
      } else {
        return {};
      }
    }
  }

  // ---- positions and errors ----------------------------------------------------

  size_t offset(const x3::position_tagged& node) const { return positions_.offset_of(node); }

  Span span(const x3::position_tagged& node) const {
    return {positions_.offset_of(node), positions_.end_of(node)};
  }

  Span span(const ast::Operand& operand) const {
    Span result;
    boost::apply_visitor(
        [&](const auto& node) {
          using T = std::decay_t<decltype(node)>;
          if constexpr (std::is_same_v<T, ast::Nil> || std::is_same_v<T, ast::Star>) {
          } else if constexpr (std::is_base_of_v<x3::position_tagged, T>) {
            result = span(static_cast<const x3::position_tagged&>(node));
          } else {
            result = span(static_cast<const x3::position_tagged&>(node.get()));
          }
        },
        operand);
    return result;
  }

  std::string text_of(Span s) const {
    if (s.end < s.begin || s.end > text_.size()) return {};
    return std::string(text_.substr(s.begin, s.end - s.begin));
  }

  ExprPtr error(size_t at, std::string message) {
    errors_->push_back(SqlError{at, std::move(message)});
    return nullptr;
  }

  bool is_bare_column(const ast::Operand& operand) const {
    const auto& v = operand.get();
    if (v.type() == typeid(ast::Identifier)) return true;
    if (auto* chain = boost::get<x3::forward_ast<ast::Chain>>(&v)) {
      return chain->get().rest.empty() && is_bare_column(chain->get().first);
    }
    if (auto* predicate = boost::get<x3::forward_ast<ast::Predicate>>(&v)) {
      return !predicate->get().suffix && is_bare_column(predicate->get().left);
    }
    if (auto* postfix = boost::get<x3::forward_ast<ast::PostfixCast>>(&v)) {
      return postfix->get().types.empty() && is_bare_column(postfix->get().value);
    }
    return false;
  }

  // ---- node construction ------------------------------------------------------------

  static std::shared_ptr<Expr> node(ExprKind kind, DataType type, size_t at, std::string text,
                                    std::vector<ExprPtr> children = {}) {
    auto e = std::make_shared<Expr>();
    e->kind = kind;
    e->type = type;
    e->offset = at;
    e->text = std::move(text);
    e->nullable = std::any_of(children.begin(), children.end(), [](const ExprPtr& c) { return c->nullable; });
    e->children = std::move(children);
    return e;
  }

  ExprPtr column_ref(int index, size_t at, const std::string& text) {
    auto e = node(ExprKind::column, input_.field(index).type, at, text);
    e->column = index;
    e->nullable = input_.field(index).nullable;
    return e;
  }

  static std::shared_ptr<Expr> constant(DataType type, size_t at, std::string text) {
    auto e = node(ExprKind::constant, type, at, std::move(text));
    e->value.type = type;
    e->value.constant = true;
    e->value.allocate(1);
    e->nullable = false;
    return e;
  }

  // Evaluates a sub-expression that reads no column once, now.
  ExprPtr fold(std::shared_ptr<Expr> e) {
    if (!e) return nullptr;
    if (e->kind == ExprKind::constant || e->kind == ExprKind::column) return e;
    for (const auto& child : e->children) {
      if (child->kind != ExprKind::constant) return e;
    }
    Batch empty;
    EvalContext context{&empty, nullptr, 1};
    auto value = evaluate(*e, context);
    if (!value.is_ok()) {
      // Report the message without the "in '...'" suffix: the offset already locates it.
      std::string message = value.status().message();
      if (auto in = message.rfind(" in '"); in != std::string::npos) message.resize(in);
      return error(e->offset, message);
    }
    auto folded = std::make_shared<Expr>(*e);
    folded->kind = ExprKind::constant;
    folded->children.clear();
    folded->value = std::move(value).value();
    folded->value.constant = true;
    folded->value.size = 1;
    folded->nullable = !folded->value.is_valid(0);
    return folded;
  }

  // Converts `e` to `to`: NULL literals simply take the type, 'string' literals are
  // parsed now, anything else gets a cast node.
  ExprPtr coerce(const ExprPtr& e, const DataType& to) {
    if (e->type == to && !e->untyped_string) return e;
    if (e->null_literal) {
      auto typed = constant(to, e->offset, e->text);
      typed->value.valid.assign(1, 0);
      typed->null_literal = true;
      typed->nullable = true;
      return typed;
    }
    return fold(node(ExprKind::cast, to, e->offset, e->text, {e}));
  }

  ExprPtr require_bool(const ExprPtr& e, const std::string& context) {
    if (e->type.id == TypeId::boolean || e->null_literal || e->untyped_string) {
      return coerce(e, DataType{TypeId::boolean});
    }
    return error(e->offset, "argument of " + context + " must be bool, not " + e->type.to_string());
  }

  ExprPtr require_text(const ExprPtr& e, const std::string& context) {
    if (is_textual(e->type.id) || e->null_literal || e->untyped_string)
      return coerce(e, DataType{TypeId::text});
    return error(e->offset, context + " needs text, not " + e->type.to_string());
  }

  ExprPtr require_integer(const ExprPtr& e, const std::string& context) {
    if (DataType{e->type}.is_integer() || e->null_literal || e->untyped_string) {
      return coerce(e, DataType{TypeId::int64});
    }
    return error(e->offset, context + " needs an integer, not " + e->type.to_string());
  }

  // The type two operands are brought to, resolving NULL and 'string' literals
  // against the other side; nullopt when the types do not mix.
  std::optional<DataType> pair_type(const ExprPtr& a, const ExprPtr& b) {
    bool a_open = a->null_literal || a->untyped_string;
    bool b_open = b->null_literal || b->untyped_string;
    if (a_open && b_open) return DataType{TypeId::text};
    if (a_open) return b->type;
    if (b_open) return a->type;
    return common_type(a->type, b->type);
  }

  // ---- expressions -----------------------------------------------------------------

  ExprPtr bind(const ast::Operand& operand) {
    if (scope_ == Scope::groups) {
      if (ExprPtr key = group_key_ref(operand)) return key;
    }
    return boost::apply_visitor(
        [&](const auto& n) -> ExprPtr {
          using T = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<T, ast::Nil> || std::is_same_v<T, ast::Star>) {
            return error(span(operand).begin, "'*' is only allowed as a select item and in COUNT(*)");
          } else if constexpr (std::is_base_of_v<x3::position_tagged, T>) {
            return bind_node(n);
          } else {
            return bind_node(n.get());
          }
        },
        operand);
  }

  ExprPtr bind_node(const ast::Literal& literal) {
    size_t at = offset(literal);
    std::string text = text_of(span(literal));
    switch (literal.kind) {
      case ast::LiteralKind::null: {
        auto e = constant(DataType{TypeId::text}, at, "NULL");
        e->value.valid.assign(1, 0);
        e->null_literal = true;
        e->nullable = true;
        return e;
      }
      case ast::LiteralKind::boolean_true:
      case ast::LiteralKind::boolean_false: {
        auto e = constant(DataType{TypeId::boolean}, at, text);
        e->value.bools[0] = literal.kind == ast::LiteralKind::boolean_true;
        return e;
      }
      case ast::LiteralKind::string: {
        auto e = constant(DataType{TypeId::text}, at, text);
        auto arena = std::make_shared<std::string>(literal.text);
        e->value.strings[0] = *arena;
        e->value.arenas.push_back(std::move(arena));
        e->untyped_string = true;
        return e;
      }
      case ast::LiteralKind::number: break;
    }
    const std::string& digits = literal.text;
    if (digits.find_first_of("eE") != std::string::npos) {
      double value = 0;
      if (!parse_float64(digits, &value)) return error(at, "invalid number '" + digits + "'");
      auto e = constant(DataType{TypeId::float64}, at, text);
      e->value.floats[0] = value;
      return e;
    }
    if (auto point = digits.find('.'); point != std::string::npos) {
      int scale = static_cast<int>(digits.size() - point - 1);
      __int128 value = 0;
      if (scale > 38 || !parse_decimal(digits, 0, static_cast<uint8_t>(scale), &value))
        return error(at, "numeric literal '" + digits + "' is too long");
      auto e = constant(DataType{TypeId::decimal, 0, static_cast<uint8_t>(scale)}, at, text);
      e->value.decimals[0] = value;
      return e;
    }
    if (int64_t value = 0; parse_int64(digits, &value)) {
      bool small = value <= INT32_MAX;
      auto e = constant(DataType{small ? TypeId::int32 : TypeId::int64}, at, text);
      e->value.ints[0] = value;
      return e;
    }
    __int128 value = 0;
    if (!parse_decimal(digits, 0, 0, &value))
      return error(at, "numeric literal '" + digits + "' is too long");
    auto e = constant(DataType{TypeId::decimal, 0, 0}, at, text);
    e->value.decimals[0] = value;
    return e;
  }

  ExprPtr bind_node(const ast::Identifier& identifier) {
    size_t at = offset(identifier);
    if (scope_ == Scope::groups && (window_ || window_failed_)) {
      for (int which = 0; which < 2; ++which) {
        const std::string name = which == 0 ? "window_start" : "window_end";
        if (identifier.quoted ? identifier.name != name : lower(identifier.name) != name) continue;
        if (window_failed_) return nullptr;  // the WINDOW clause's error says it all
        auto e = node(ExprKind::column, window_->column_type, at, name);
        e->column = static_cast<int>(keys_.size()) + which;
        e->nullable = false;
        return e;
      }
    }
    if (scope_ == Scope::groups && (input_.index_of(identifier.name) >= 0 || !identifier.quoted)) {
      ExprPtr column = with_scope(Scope::input, [&] { return bind_node(identifier); });
      if (column) {
        return error(at, "column '" + identifier.name +
                             "' must appear in the GROUP BY clause or be used in an aggregate function");
      }
    }
    int index = input_.index_of(identifier.name);
    if (index < 0 && !identifier.quoted) {
      // Unquoted names also match case-insensitively, when that is unambiguous.
      std::string wanted = lower(identifier.name);
      int matches = 0;
      for (size_t i = 0; i < input_.size(); ++i) {
        if (lower(input_.field(i).name) == wanted) {
          index = static_cast<int>(i);
          ++matches;
        }
      }
      if (matches > 1) return error(at, "column reference '" + identifier.name + "' is ambiguous");
    }
    if (index < 0) {
      std::string message = "unknown column '" + identifier.name + "'";
      std::string suggestion;
      for (const auto& name : input_.names()) {
        if (lower(name) == lower(identifier.name)) suggestion = name;  // "NAME" quoted, `name` exists
      }
      if (suggestion.empty()) suggestion = closest_match(identifier.name, input_.names());
      if (!suggestion.empty()) message += "; did you mean '" + suggestion + "'?";
      return error(at, message);
    }
    return column_ref(index, at, text_of(span(identifier)));
  }

  ExprPtr bind_node(const ast::Unary& unary) {
    ExprPtr operand = bind(unary.operand);
    if (!operand) return nullptr;
    size_t at = offset(unary);
    std::string text = text_of(span(unary));
    if (unary.op == ast::UnaryOp::logical_not) {
      ExprPtr b = require_bool(operand, "NOT");
      return b ? fold(node(ExprKind::logical_not, DataType{TypeId::boolean}, at, text, {b})) : nullptr;
    }
    if (operand->null_literal || operand->untyped_string)
      operand = coerce(operand, DataType{TypeId::float64});
    if (!operand) return nullptr;
    if (!operand->type.is_numeric()) {
      return error(at, "cannot apply unary '" + std::string(unary.op == ast::UnaryOp::negate ? "-" : "+") +
                           "' to " + operand->type.to_string());
    }
    if (unary.op == ast::UnaryOp::plus) return operand;
    return fold(node(ExprKind::negate, operand->type, at, text, {operand}));
  }

  ExprPtr bind_node(const ast::Chain& chain) {
    if (!chain.rest.empty() && (chain.rest.front().op == ast::BinaryOp::logical_and ||
                                chain.rest.front().op == ast::BinaryOp::logical_or)) {
      return bind_logical_chain(chain);
    }
    ExprPtr left = bind(chain.first);
    if (!left) return nullptr;
    size_t begin = span(chain.first).begin;
    for (const auto& operation : chain.rest) {
      ExprPtr right = bind(operation.operand);
      if (!right) return nullptr;
      std::string text = text_of({begin, positions_.end_of(operation)});
      left = combine(operation.op, left, right, offset(operation), begin, text);
      if (!left) return nullptr;
    }
    return left;
  }

  // `a AND b AND c` (or OR) is one node with a child per term: as deep as its deepest
  // term, and bound in time linear in its length, however many terms it has.
  ExprPtr bind_logical_chain(const ast::Chain& chain) {
    const ast::BinaryOp op = chain.rest.front().op;
    std::vector<ExprPtr> terms;
    terms.reserve(chain.rest.size() + 1);
    auto add = [&](const ast::Operand& operand) {
      ExprPtr term = bind(operand);
      term = term ? require_bool(term, op_name(op)) : nullptr;
      if (!term) return false;
      terms.push_back(std::move(term));
      return true;
    };
    if (!add(chain.first)) return nullptr;
    for (const auto& operation : chain.rest) {
      if (!add(operation.operand)) return nullptr;
    }
    size_t begin = span(chain.first).begin;
    std::string text = text_of({begin, positions_.end_of(chain.rest.back())});
    auto kind = op == ast::BinaryOp::logical_and ? ExprKind::logical_and : ExprKind::logical_or;
    return fold(node(kind, DataType{TypeId::boolean}, begin, text, std::move(terms)));
  }

  static const char* op_name(ast::BinaryOp op) {
    switch (op) {
      case ast::BinaryOp::logical_or: return "OR";
      case ast::BinaryOp::logical_and: return "AND";
      case ast::BinaryOp::concat: return "||";
      case ast::BinaryOp::add: return "+";
      case ast::BinaryOp::subtract: return "-";
      case ast::BinaryOp::multiply: return "*";
      case ast::BinaryOp::divide: return "/";
      case ast::BinaryOp::modulo: return "%";
    }
    return "?";
  }

  ExprPtr combine(ast::BinaryOp op, ExprPtr left, ExprPtr right, size_t op_at, size_t begin,
                  const std::string& text) {
    switch (op) {
      case ast::BinaryOp::logical_or:
      case ast::BinaryOp::logical_and: {
        left = require_bool(left, op_name(op));
        right = left ? require_bool(right, op_name(op)) : nullptr;
        if (!left || !right) return nullptr;
        auto kind = op == ast::BinaryOp::logical_and ? ExprKind::logical_and : ExprKind::logical_or;
        return fold(node(kind, DataType{TypeId::boolean}, begin, text, {left, right}));
      }
      case ast::BinaryOp::concat: {
        for (auto* side : {&left, &right}) {
          if ((*side)->type.id != TypeId::text) *side = coerce(*side, DataType{TypeId::text});
          if (!*side) return nullptr;
        }
        return fold(node(ExprKind::concat_op, DataType{TypeId::text}, begin, text, {left, right}));
      }
      case ast::BinaryOp::add:
      case ast::BinaryOp::subtract:
      case ast::BinaryOp::multiply:
      case ast::BinaryOp::divide:
      case ast::BinaryOp::modulo: break;
    }
    auto type = pair_type(left, right);
    if (type && !type->is_numeric()) {
      // 'string' or NULL against a number took the number's type; two open literals do not add.
      type = std::nullopt;
    }
    if (!type) {
      return error(op_at, std::string("cannot apply '") + op_name(op) + "' to " + left->type.to_string() +
                              " and " + right->type.to_string());
    }
    ArithOp arith = op == ast::BinaryOp::add        ? ArithOp::add
                    : op == ast::BinaryOp::subtract ? ArithOp::subtract
                    : op == ast::BinaryOp::multiply ? ArithOp::multiply
                    : op == ast::BinaryOp::divide   ? ArithOp::divide
                                                    : ArithOp::modulo;
    DataType result = *type;
    if (type->id == TypeId::decimal) {
      // Multiplication and division keep each side's own scale; the kernel accounts for them.
      auto scale_of = [](const ExprPtr& e) { return e->type.id == TypeId::decimal ? e->type.scale : 0; };
      uint8_t sa = scale_of(left), sb = scale_of(right);
      if (arith == ArithOp::multiply || arith == ArithOp::divide) {
        left = coerce(left, DataType{TypeId::decimal, 0, left->null_literal ? uint8_t(0) : sa});
        right = left ? coerce(right, DataType{TypeId::decimal, 0, right->null_literal ? uint8_t(0) : sb})
                     : nullptr;
        if (!left || !right) return nullptr;
        sa = left->type.scale;
        sb = right->type.scale;
        result.scale = arith == ArithOp::multiply ? static_cast<uint8_t>(std::min(sa + sb, 38))
                                                  : std::max<uint8_t>({6, sa, sb});
        auto e = node(ExprKind::arithmetic, result, begin, text, {left, right});
        e->arith = arith;
        return fold(e);
      }
    }
    left = coerce(left, *type);
    right = left ? coerce(right, *type) : nullptr;
    if (!left || !right) return nullptr;
    auto e = node(ExprKind::arithmetic, result, begin, text, {left, right});
    e->arith = arith;
    return fold(e);
  }

  // Brings `subject` and `others` to one type; the error names the first misfit.
  bool unify(ExprPtr& subject, std::vector<ExprPtr>& others, size_t op_at, const char* what) {
    DataType type = subject->type;
    bool open = subject->null_literal || subject->untyped_string;
    for (auto& other : others) {
      bool other_open = other->null_literal || other->untyped_string;
      if (other_open) continue;
      if (open) {
        type = other->type;
        open = false;
        continue;
      }
      auto common = common_type(type, other->type);
      if (!common) {
        error(op_at,
              std::string("cannot ") + what + " " + type.to_string() + " with " + other->type.to_string());
        return false;
      }
      type = *common;
    }
    if (open) type = DataType{TypeId::text};
    subject = coerce(subject, type);
    if (!subject) return false;
    for (auto& other : others) {
      other = coerce(other, type);
      if (!other) return false;
    }
    return true;
  }

  ExprPtr bind_node(const ast::Predicate& predicate) {
    ExprPtr left = bind(predicate.left);
    if (!left || !predicate.suffix) return left;
    const ast::Suffix& suffix = *predicate.suffix;
    size_t begin = span(predicate.left).begin;
    size_t at = offset(suffix);
    std::string text = text_of({begin, positions_.end_of(suffix)});
    const DataType boolean{TypeId::boolean};
    switch (suffix.kind) {
      case ast::SuffixKind::is_null: {
        auto e = node(ExprKind::is_null, boolean, begin, text, {left});
        e->negated = suffix.negated;
        e->nullable = false;
        return fold(e);
      }
      case ast::SuffixKind::like: {
        ExprPtr pattern = bind(suffix.first);
        if (!pattern) return nullptr;
        left = require_text(left, "LIKE");
        pattern = left ? require_text(pattern, "LIKE") : nullptr;
        if (!left || !pattern) return nullptr;
        auto e = node(ExprKind::like, boolean, begin, text, {left, pattern});
        e->negated = suffix.negated;
        return fold(e);
      }
      case ast::SuffixKind::in_list:
      case ast::SuffixKind::between: {
        std::vector<ExprPtr> others;
        for (const ast::Operand* operand : operands(suffix)) {
          ExprPtr item = bind(*operand);
          if (!item) return nullptr;
          others.push_back(item);
        }
        if (!unify(left, others, at, "compare")) return nullptr;
        std::vector<ExprPtr> children{left};
        children.insert(children.end(), others.begin(), others.end());
        auto kind = suffix.kind == ast::SuffixKind::in_list ? ExprKind::in_list : ExprKind::between;
        auto e = node(kind, boolean, begin, text, std::move(children));
        e->negated = suffix.negated;
        return fold(e);
      }
      case ast::SuffixKind::regex_match:
      case ast::SuffixKind::regex_match_ci:
      case ast::SuffixKind::regex_not_match:
      case ast::SuffixKind::regex_not_match_ci: {
        // `s ~ p` is regexp_like(s, p); `~*` adds the flag 'i'; `!~` negates.
        ExprPtr pattern = bind(suffix.first);
        if (!pattern) return nullptr;
        const bool ci = suffix.kind == ast::SuffixKind::regex_match_ci ||
                        suffix.kind == ast::SuffixKind::regex_not_match_ci;
        const bool negated = suffix.kind == ast::SuffixKind::regex_not_match ||
                             suffix.kind == ast::SuffixKind::regex_not_match_ci;
        std::vector<ExprPtr> args{left, pattern};
        if (ci) args.push_back(text_constant("i", at, "'i'"));
        const std::string op = std::string(negated ? "!~" : "~") + (ci ? "*" : "");
        ExprPtr match = bind_call(*find_scalar_function("regexp_like"), op, at, text, std::move(args));
        if (!match || !negated) return match;
        return fold(node(ExprKind::logical_not, boolean, begin, text, {match}));
      }
      default: break;
    }
    ExprPtr right = bind(suffix.first);
    if (!right) return nullptr;
    std::vector<ExprPtr> others{right};
    if (!unify(left, others, at, "compare")) return nullptr;
    auto e = node(ExprKind::compare, boolean, begin, text, {left, others[0]});
    e->compare = suffix.kind == ast::SuffixKind::equal        ? CompareOp::equal
                 : suffix.kind == ast::SuffixKind::not_equal  ? CompareOp::not_equal
                 : suffix.kind == ast::SuffixKind::less       ? CompareOp::less
                 : suffix.kind == ast::SuffixKind::less_equal ? CompareOp::less_equal
                 : suffix.kind == ast::SuffixKind::greater    ? CompareOp::greater
                                                              : CompareOp::greater_equal;
    return fold(e);
  }

  static std::vector<const ast::Operand*> operands(const ast::Suffix& suffix) {
    std::vector<const ast::Operand*> out{&suffix.first};
    for (const auto& operand : suffix.rest) out.push_back(&operand);
    return out;
  }

  ExprPtr bind_cast(ExprPtr value, const ast::TypeName& type_name, size_t begin, size_t end) {
    std::string spelled = lower(type_name.name);
    if (spelled == "double") spelled = "float64";
    if (!type_name.params.empty()) {
      spelled += "(";
      for (size_t i = 0; i < type_name.params.size(); ++i) {
        spelled += (i ? "," : "") + std::to_string(type_name.params[i]);
      }
      spelled += ")";
    }
    auto type = parse_data_type(spelled);
    if (!type) return error(offset(type_name), "unknown type '" + text_of(span(type_name)) + "'");
    if (value->null_literal || value->untyped_string) return coerce(value, *type);
    if (!can_cast(value->type, *type)) {
      return error(offset(type_name), "cannot cast " + value->type.to_string() + " to " + type->to_string());
    }
    return fold(node(ExprKind::cast, *type, begin, text_of({begin, end}), {value}));
  }

  ExprPtr bind_node(const ast::PostfixCast& postfix) {
    ExprPtr value = bind(postfix.value);
    size_t begin = span(postfix.value).begin;
    for (const auto& type : postfix.types) {
      if (!value) return nullptr;
      value = bind_cast(value, type, begin, positions_.end_of(type));
    }
    return value;
  }

  ExprPtr bind_node(const ast::CastExpr& cast) {
    ExprPtr value = bind(cast.value);
    if (!value) return nullptr;
    Span s = span(cast);
    return bind_cast(value, cast.type, s.begin, s.end);
  }

  // EXTRACT(field FROM x) is the table's extract('field', x).
  ExprPtr bind_node(const ast::ExtractExpr& extract) {
    ExprPtr value = bind(extract.value);
    if (!value) return nullptr;
    ExprPtr field = text_constant(lower(extract.field.name), offset(extract.field), extract.field.name);
    return bind_call(*find_scalar_function("extract"), "EXTRACT", offset(extract), text_of(span(extract)),
                     {field, value});
  }

  // POSITION(sub IN s), TRIM(... FROM s), CURRENT_TIMESTAMP: calls of the table, their
  // arguments written in the reverse of the function's order.
  ExprPtr bind_node(const ast::KeywordCall& call) {
    std::vector<ExprPtr> args;
    for (auto operand = call.args.rbegin(); operand != call.args.rend(); ++operand) {
      ExprPtr arg = bind(*operand);
      if (!arg) return nullptr;
      args.push_back(arg);
    }
    return bind_call(*find_scalar_function(call.function), call.display, offset(call), text_of(span(call)),
                     std::move(args));
  }

  std::shared_ptr<Expr> text_constant(const std::string& value, size_t at, std::string text) {
    auto e = constant(DataType{TypeId::text}, at, std::move(text));
    auto arena = std::make_shared<std::string>(value);
    e->value.strings[0] = *arena;
    e->value.arenas.push_back(std::move(arena));
    return e;
  }

  ExprPtr bind_node(const ast::CaseExpr& case_expr) {
    size_t at = offset(case_expr);
    std::string text = text_of(span(case_expr));
    ExprPtr subject;
    if (case_expr.subject) {
      subject = bind_node(*case_expr.subject);
      if (!subject) return nullptr;
    }
    std::vector<ExprPtr> conditions, results;
    for (const auto& when : case_expr.whens) {
      ExprPtr condition = bind(when.condition);
      if (!condition) return nullptr;
      if (subject) {
        // Simple CASE: `CASE x WHEN v` means `x = v`.
        ExprPtr left = subject;
        std::vector<ExprPtr> others{condition};
        if (!unify(left, others, span(when.condition).begin, "compare")) return nullptr;
        auto e = node(ExprKind::compare, DataType{TypeId::boolean}, offset(when), text_of(span(when)),
                      {left, others[0]});
        e->compare = CompareOp::equal;
        condition = fold(e);
      } else {
        condition = require_bool(condition, "CASE WHEN");
      }
      if (!condition) return nullptr;
      conditions.push_back(condition);
      ExprPtr result = bind(when.result);
      if (!result) return nullptr;
      results.push_back(result);
    }
    if (case_expr.otherwise) {
      ExprPtr otherwise = bind_node(*case_expr.otherwise);
      if (!otherwise) return nullptr;
      results.push_back(otherwise);
    }
    ExprPtr first = results[0];
    std::vector<ExprPtr> rest(results.begin() + 1, results.end());
    if (!unify(first, rest, at, "match CASE result")) return nullptr;
    results[0] = first;
    std::copy(rest.begin(), rest.end(), results.begin() + 1);
    std::vector<ExprPtr> children;
    for (size_t i = 0; i < conditions.size(); ++i) {
      children.push_back(conditions[i]);
      children.push_back(results[i]);
    }
    if (case_expr.otherwise) children.push_back(results.back());
    auto e = node(ExprKind::case_when, results[0]->type, at, text, children);
    e->has_else = case_expr.otherwise.has_value();
    e->nullable =
        !e->has_else || std::any_of(results.begin(), results.end(), [](auto& r) { return r->nullable; });
    return fold(e);
  }

  // A call resolves through the function table (expr/functions.h): the signature for the
  // argument count converts each argument by its rule, the function's bind hook (if any)
  // refines the call, and the NULL rule decides whether it can be NULL.
  ExprPtr bind_node(const ast::FunctionCall& call) {
    size_t at = offset(call.name);
    std::string text = text_of(span(call));
    if (const AggregateFunction* aggregate = find_aggregate_function(call.name.name))
      return bind_aggregate(call, *aggregate);
    const ScalarFunction* function = find_scalar_function(call.name.name);
    if (!function) {
      std::string message = "unknown function '" + call.name.name + "'";
      std::vector<std::string> names = scalar_function_names();
      for (auto& name : aggregate_function_names()) names.push_back(name);
      std::string suggestion = closest_match(lower(call.name.name), names);
      if (!suggestion.empty()) message += "; did you mean '" + upper(suggestion) + "'?";
      return error(at, message);
    }
    if (call.distinct) return error(at, "DISTINCT is only allowed in aggregate functions");
    std::vector<ExprPtr> args;
    for (const auto& operand : call.args) {
      ExprPtr arg = bind(operand);
      if (!arg) return nullptr;
      args.push_back(arg);
    }
    return bind_call(*function, upper(call.name.name), at, text, std::move(args));
  }

  // Binds a call of `function` (`display` names it in messages) on bound arguments.
  ExprPtr bind_call(const ScalarFunction& function, const std::string& display, size_t at,
                    const std::string& text, std::vector<ExprPtr> args) {
    std::optional<Call> bound = bind_call(display, at, function.signatures, function.bind, std::move(args));
    if (!bound) return nullptr;
    auto e = node(ExprKind::call, bound->type, at, text, bound->args);
    e->function = &function;
    e->prepared = std::move(bound->prepared);
    if (function.nulls == NullRule::never) e->nullable = false;
    if (function.nulls == NullRule::always) e->nullable = true;
    if (function.nulls == NullRule::all_null) {
      e->nullable = std::all_of(bound->args.begin(), bound->args.end(), [](auto& c) { return c->nullable; });
    }
    return fold(e);
  }

  // An aggregate call: its arguments bind over the input rows; the call becomes a column of
  // the groups (one per distinct call: COUNT(*) in SELECT and HAVING is computed once).
  ExprPtr bind_aggregate(const ast::FunctionCall& call, const AggregateFunction& function) {
    size_t at = offset(call.name);
    const std::string display = upper(call.name.name);
    if (in_aggregate_) return error(at, "aggregate function calls cannot be nested");
    if (scope_ == Scope::input)
      return error(at, "aggregate functions are not allowed in " + std::string(context_));
    std::vector<ExprPtr> args;
    bool star = call.args.size() == 1 && call.args[0].get().type() == typeid(ast::Star);
    if (star && (!function.star || call.distinct))
      return error(span(call.args[0]).begin, display + "(*) is not allowed; only COUNT(*) counts rows");
    if (!star) {
      in_aggregate_ = true;
      for (const auto& operand : call.args) {
        ExprPtr arg = with_scope(Scope::input, [&] { return bind(operand); });
        if (!arg) {
          in_aggregate_ = false;
          return nullptr;
        }
        args.push_back(arg);
      }
      in_aggregate_ = false;
    }
    AggregateCall bound;
    bound.function = &function;
    bound.distinct = call.distinct;
    bound.offset = at;
    bound.text = text_of(span(call));
    if (!star) {
      std::optional<Call> checked =
          bind_call(display, at, function.signatures, function.bind, std::move(args));
      if (!checked) return nullptr;
      bound.args = std::move(checked->args);
      bound.type = checked->type;
    } else {
      bound.type = DataType{TypeId::int64};
    }
    size_t slot = aggregates_.size();
    for (size_t i = 0; i < aggregates_.size(); ++i) {
      const AggregateCall& other = aggregates_[i];
      if (other.function == bound.function && other.distinct == bound.distinct &&
          other.args.size() == bound.args.size() &&
          std::equal(other.args.begin(), other.args.end(), bound.args.begin(),
                     [](const ExprPtr& a, const ExprPtr& b) { return same_expr(*a, *b); }))
        slot = i;
    }
    if (slot == aggregates_.size()) aggregates_.push_back(bound);
    auto e = node(ExprKind::column, bound.type, at, bound.text);
    e->column = static_cast<int>(keys_.size() + (window_ ? 2 : 0) + slot);
    e->nullable = !function.never_null;
    return e;
  }

  // When `operand` is one of the GROUP BY keys, that key's column of the groups.
  ExprPtr group_key_ref(const ast::Operand& operand) {
    if (keys_.empty() || operand.get().type() == typeid(ast::Literal)) return nullptr;
    std::vector<SqlError> ignored;
    std::vector<SqlError>* reported = std::exchange(errors_, &ignored);
    ExprPtr bound = with_scope(Scope::input, [&] { return bind(operand); });
    errors_ = reported;
    if (!bound || !ignored.empty()) return nullptr;
    for (size_t k = 0; k < keys_.size(); ++k) {
      if (!same_expr(*bound, *keys_[k])) continue;
      auto e = node(ExprKind::column, keys_[k]->type, bound->offset, bound->text);
      e->column = static_cast<int>(k);
      e->nullable = keys_[k]->nullable;
      return e;
    }
    return nullptr;
  }

  template <typename F>
  ExprPtr with_scope(Scope scope, F&& bind_in_scope) {
    Scope saved = scope_;
    scope_ = scope;
    ExprPtr result = bind_in_scope();
    scope_ = saved;
    return result;
  }

  // The same computation: what GROUP BY matching and aggregate sharing compare.
  static bool same_expr(const Expr& a, const Expr& b) {
    if (a.kind != b.kind || !(a.type == b.type) || a.column != b.column || a.arith != b.arith ||
        a.compare != b.compare || a.negated != b.negated || a.has_else != b.has_else ||
        a.function != b.function || a.children.size() != b.children.size())
      return false;
    if (a.kind == ExprKind::constant) {
      std::string ka, kb;
      append_key(ka, a.value, 0);
      append_key(kb, b.value, 0);
      if (ka != kb) return false;
    }
    for (size_t i = 0; i < a.children.size(); ++i) {
      if (!same_expr(*a.children[i], *b.children[i])) return false;
    }
    return true;
  }

  // Converts `args` by the signature for their count and runs the bind hook: the call as
  // bound, or nullopt after an error.
  std::optional<Call> bind_call(const std::string& display, size_t at,
                                const std::vector<Signature>& signatures, BindHook hook,
                                std::vector<ExprPtr> args) {
    const Signature* signature = signature_for(signatures, args.size());
    if (!signature) {
      error(at, display + " expects " + arity_text(signatures) + ", got " + std::to_string(args.size()));
      return std::nullopt;
    }
    auto param = [&](size_t i) -> const Param& {
      return signature->params[std::min(i, signature->params.size() - 1)];
    };
    // `common` arguments first: they are brought to one type together.
    std::optional<DataType> common;
    std::vector<size_t> common_at;
    for (size_t i = 0; i < args.size(); ++i) {
      if (param(i).rule == ArgRule::common) common_at.push_back(i);
    }
    if (!common_at.empty()) {
      ExprPtr first = args[common_at[0]];
      std::vector<ExprPtr> rest;
      for (size_t k = 1; k < common_at.size(); ++k) rest.push_back(args[common_at[k]]);
      const std::string what = "mix " + display + " argument";
      if (!unify(first, rest, at, what.c_str())) return std::nullopt;
      args[common_at[0]] = first;
      for (size_t k = 1; k < common_at.size(); ++k) args[common_at[k]] = rest[k - 1];
      common = first->type;
    }
    for (size_t i = 0; i < args.size(); ++i) {
      ExprPtr& arg = args[i];
      switch (param(i).rule) {
        case ArgRule::text: arg = require_text(arg, display); break;
        case ArgRule::integer: arg = require_integer(arg, display); break;
        case ArgRule::number:
          if (arg->null_literal || arg->untyped_string) arg = coerce(arg, param(i).literal_type);
          if (arg && !arg->type.is_numeric()) {
            error(arg->offset, display + " needs a number, not " + arg->type.to_string());
            return std::nullopt;
          }
          break;
        case ArgRule::to_text:
          if (arg->type.id != TypeId::text || arg->untyped_string) arg = coerce(arg, DataType{TypeId::text});
          break;
        case ArgRule::common:
        case ArgRule::as_is: break;
      }
      if (!arg) return std::nullopt;
    }
    Call bound{display, at, std::move(args), signature->type};
    if (signature->result == ResultRule::first_argument) bound.type = bound.args[0]->type;
    if (signature->result == ResultRule::common) bound.type = common.value_or(DataType{TypeId::text});
    if (hook) {
      struct Hooks final : CallBinder {
        explicit Hooks(Binder& binder) : binder(binder) {}
        ExprPtr coerce(const ExprPtr& e, const DataType& to) override { return binder.coerce(e, to); }
        void error(size_t at, std::string message) override { binder.error(at, std::move(message)); }
        Binder& binder;
      } hooks(*this);
      if (!hook(bound, hooks)) return std::nullopt;
    }
    return bound;
  }

  // The signature taking `count` arguments.
  static const Signature* signature_for(const std::vector<Signature>& signatures, size_t count) {
    for (const Signature& signature : signatures) {
      size_t params = signature.params.size();
      if (count == params || (signature.variadic && count >= params)) return &signature;
    }
    return nullptr;
  }

  // "1 argument", "2 or 3 arguments", "at least 1 arguments" (sic: the message predates the table).
  static std::string arity_text(const std::vector<Signature>& signatures) {
    size_t low = SIZE_MAX, high = 0;
    for (const Signature& signature : signatures) {
      low = std::min(low, signature.params.size());
      if (signature.variadic) high = SIZE_MAX;
      if (high != SIZE_MAX) high = std::max(high, signature.params.size());
    }
    std::string expected = low == high        ? std::to_string(low)
                           : high == SIZE_MAX ? "at least " + std::to_string(low)
                           : high == low + 1  ? std::to_string(low) + " or " + std::to_string(high)
                                              : std::to_string(low) + " to " + std::to_string(high);
    return expected + " argument" + (high == 1 ? "" : "s");
  }

  std::string_view text_;
  const parser::ErrorHandler& positions_;
  const Schema& input_;
  std::vector<SqlError>* errors_;  // swapped while a group key match is tried
  Scope scope_ = Scope::input;
  const WindowSpec* window_ = nullptr;  // while the groups are bound: window_start and window_end
  bool window_failed_ = false;          // a WINDOW clause that did not bind
  const char* context_ = "";            // the clause being bound, for "not allowed in WHERE"
  bool in_aggregate_ = false;
  std::vector<ExprPtr> keys_;
  std::vector<AggregateCall> aggregates_;
};

}  // namespace

BoundQuery bind_query(std::string_view text, const ParsedQuery& parsed, const Schema& input,
                      std::vector<SqlError>& errors) {
  Binder binder(text, *parsed.positions, input, errors);
  return binder.bind(parsed.query);
}

}  // namespace rbc::sql
