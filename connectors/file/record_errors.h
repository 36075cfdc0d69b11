// Messages for records a file source cannot read: a value that does not fit its column,
// bytes that are not UTF-8 (in PostgreSQL's words), and where in a record they are.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "graph/types.h"

namespace rbc::file {

// `text` in double quotes, cut after 80 bytes.
std::string quoted_value(std::string_view text);

// column "name": cannot read "text" as TYPE
std::string cannot_read(const Field& field, std::string_view text);

// Where the first byte of `text` that is not part of well-formed UTF-8 is, or npos.
size_t invalid_utf8_at(std::string_view text);

// column "name": invalid byte sequence for encoding "UTF8": 0xc3 0x28 (the bytes that the
// sequence at text[at] claims, as PostgreSQL reports them).
std::string invalid_utf8(const Field& field, std::string_view text, size_t at);

// The line and byte column (from 1) of `where` in the record `raw` that starts on `line`;
// column 0 when `where` is not in `raw`.
std::pair<uint64_t, uint64_t> position_in(std::string_view raw, uint64_t line, const char* where);

}  // namespace rbc::file
