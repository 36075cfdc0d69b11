// Syntax tree of an .rbc pipeline program, as produced by the X3 grammar and as built
// by `--emit rbc`. Nodes that can be the subject of an error derive from
// x3::position_tagged, so that lowering and the formatter know where they were written.
//
//   pipeline clicks {
//     let events = postgres(url: env("SRC_URL")).stream("public.events")   # Let
//     events |> sql("SELECT ...") |> file(path: "out/")                   # Chain
//     resources { parallelism: 4 }                                         # Section
//   }
#pragma once

#include <boost/fusion/include/adapt_struct.hpp>
#include <boost/optional.hpp>
#include <boost/spirit/home/x3/support/ast/position_tagged.hpp>
#include <boost/spirit/home/x3/support/ast/variant.hpp>
#include <string>
#include <vector>

namespace rbc::lang::ast {

namespace x3 = boost::spirit::x3;

struct Name : x3::position_tagged {
  std::string text;
};

// A string literal, unescaped; `triple` for a """raw, multi-line""" one.
struct String : x3::position_tagged {
  std::string text;
  bool triple = false;
};

// A number as written, with its unit if any: 42, -7, 1.5, 8mb, 90s.
struct Number : x3::position_tagged {
  std::string text;
};

// A bare word used as a value: true, false, null, auto, csv, id, full_refresh.
struct Word : x3::position_tagged {
  std::string text;
};

struct Call;
struct List;
struct Block;

struct Value : x3::variant<String, Number, x3::forward_ast<Call>, Word, x3::forward_ast<List>,
                           x3::forward_ast<Block>> {
  using base_type::base_type;
  using base_type::operator=;
};

// `value` or `key: value`, in a call's arguments or a list.
struct Argument : x3::position_tagged {
  boost::optional<Name> key;
  Value value;
};

// `name(arguments)` used as a value: env("X"), hash(user_id).
struct Call : x3::position_tagged {
  Name callee;
  std::vector<Argument> args;
};

struct List : x3::position_tagged {
  std::vector<Argument> items;
};

// `key: value` or `key { ... }` inside braces.
struct Entry : x3::position_tagged {
  Name key;
  Value value;
};

struct Block : x3::position_tagged {
  std::vector<Entry> entries;
};

// `.stream("t", ...)`, `.table()`, or `.big` (a router output).
struct Member : x3::position_tagged {
  Name name;
  boost::optional<std::vector<Argument>> args;
};

// One node expression of a chain: `events`, `sql("...")`, `postgres(url: u).stream("t")`.
struct Step : x3::position_tagged {
  Name head;
  boost::optional<std::vector<Argument>> args;
  std::vector<Member> members;
};

// `a |> b |> c`
struct Chain : x3::position_tagged {
  std::vector<Step> steps;
};

struct Let : x3::position_tagged {
  Name name;
  Chain chain;
};

// `resources { ... }` or `state { ... }`
struct Section : x3::position_tagged {
  Name keyword;
  Block block;
};

struct Statement : x3::variant<Let, Section, Chain> {
  using base_type::base_type;
  using base_type::operator=;
};

// `pipeline NAME {`
struct Header : x3::position_tagged {
  Name name;
};

struct Program {
  Header header;
  std::vector<Statement> statements;
};

}  // namespace rbc::lang::ast

BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Name, text)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::String, text, triple)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Number, text)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Word, text)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Argument, key, value)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Call, callee, args)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::List, items)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Entry, key, value)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Block, entries)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Member, name, args)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Step, head, args, members)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Chain, steps)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Let, name, chain)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Section, keyword, block)
BOOST_FUSION_ADAPT_STRUCT(rbc::lang::ast::Header, name)
