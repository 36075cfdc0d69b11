// Text forms of column values. Every reader and writer of text (CSV, JSONL, SQL
// literals, the dry-run table printer, PostgreSQL text I/O) goes through these codecs so
// that a value prints the same everywhere and every printed value parses back to itself.
//
// Printed forms (parsers accept these, plus the extra spellings noted):
//   bool         true | false               (reads also t/f, 1/0, any case)
//   int16..64    decimal digits, '-' sign   (reads also a leading '+')
//   float32/64   shortest round-trip form (std::to_chars), NaN, Infinity, -Infinity
//                (reads anything std::from_chars reads, a leading '+', inf/nan any case)
//   decimal      plain digits, exactly `scale` digits after '.', e.g. -12.50
//                (reads fewer fractional digits; more only when the extra ones are 0)
//   date         YYYY-MM-DD
//   timestamp    YYYY-MM-DD HH:MM:SS[.ffffff], fraction without trailing zeros, omitted
//                when zero (reads 'T' as the separator, a date alone, up to 9 fraction
//                digits of which the first 6 are kept; an offset is rejected)
//   timestamptz  the timestamp form in UTC followed by +00:00
//                (reads Z, +HH, +HH:MM, +HHMM and -..., no offset means UTC)
//   uuid         canonical lowercase 8-4-4-4-12 (reads upper case, 32 bare hex digits)
//   bytes        \x followed by lowercase hex, as PostgreSQL prints bytea
//   text, json   verbatim
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "graph/batch.h"
#include "graph/types.h"

namespace rbc {

// Parsers: false on malformed or out-of-range text. None of them allocates.
bool parse_bool(std::string_view text, bool* out);
bool parse_int64(std::string_view text, int64_t* out);
bool parse_float64(std::string_view text, double* out);
bool parse_float32(std::string_view text, float* out);
// `precision` 0 means unconstrained (only the 38-digit limit of the storage applies).
bool parse_decimal(std::string_view text, uint8_t precision, uint8_t scale, __int128* out);
bool parse_date(std::string_view text, int32_t* days);
bool parse_timestamp(std::string_view text, int64_t* micros);
bool parse_timestamptz(std::string_view text, int64_t* micros);
bool parse_uuid(std::string_view text, uint8_t out[16]);
// Appends the decoded bytes of "\x0a1b..." to `out`.
bool parse_bytes(std::string_view text, std::string* out);

// Formatters: append the printed form to `out`.
void append_bool(std::string& out, bool value);
void append_int64(std::string& out, int64_t value);
void append_float64(std::string& out, double value);
void append_float32(std::string& out, float value);
void append_decimal(std::string& out, __int128 unscaled, uint8_t scale);
void append_date(std::string& out, int32_t days);
void append_timestamp(std::string& out, int64_t micros);
void append_timestamptz(std::string& out, int64_t micros);
void append_uuid(std::string& out, const uint8_t bytes[16]);
void append_bytes_hex(std::string& out, std::string_view bytes);
// A JSON string literal with quotes: escapes '"', '\\' and control characters, passes
// UTF-8 through and writes a byte that is not valid UTF-8 as \ufffd.
void append_json_string(std::string& out, std::string_view text);
// Appends row `row` of `batch` as a JSON object in column order: numbers and booleans as
// JSON values, everything else in its printed text form (dead letters, late rows).
void append_record_json(std::string& out, const Batch& batch, size_t row);

// Calendar helpers (proleptic Gregorian), exposed for the SQL engine's date functions.
int32_t days_from_civil(int64_t year, unsigned month, unsigned day);
void civil_from_days(int32_t days, int64_t* year, unsigned* month, unsigned* day);

// Parses `text` as a value of `column`'s type and appends it. False (and `column`
// unchanged) when the text does not parse; `scratch` is reused working space.
bool append_parsed_value(Column& column, std::string_view text, std::string& scratch);

// Appends the printed form of the (non-NULL) value at `row`.
void append_formatted_value(std::string& out, const Column& column, size_t row);

// Whether `text` reads as a value of type `id` (used by schema inference).
bool text_parses_as(TypeId id, std::string_view text);

}  // namespace rbc
