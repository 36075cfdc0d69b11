// CSV and JSONL row printing.
#include "connectors/file/record_format.h"

#include <cmath>

#include "graph/value_format.h"

namespace rbc::file {

CsvFormatter::CsvFormatter(const Schema& schema, char delimiter, std::string null_text)
    : names_(schema.names()), delimiter_(delimiter), null_text_(std::move(null_text)) {
  for (char c : {delimiter, '"', '\n', '\r'}) needs_quotes_[static_cast<unsigned char>(c)] = true;
}

void CsvFormatter::quote_if_needed(std::string& out, size_t from) {
  const size_t length = out.size() - from;
  // An empty value needs quotes only where an unquoted empty field reads as NULL.
  bool needs_quotes = length == null_text_.size() && out.compare(from, length, null_text_) == 0;
  for (size_t i = from; i < out.size() && !needs_quotes; ++i)
    needs_quotes = needs_quotes_[static_cast<unsigned char>(out[i])];
  if (!needs_quotes) return;
  scratch_.assign(out, from, length);
  out.resize(from);
  out.push_back('"');
  for (char c : scratch_) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void CsvFormatter::append_header(std::string& out) {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (i != 0) out.push_back(delimiter_);
    size_t from = out.size();
    out.append(names_[i]);
    quote_if_needed(out, from);
  }
  out.push_back('\n');
}

void CsvFormatter::append_row(std::string& out, const Batch& batch, size_t row) {
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    if (i != 0) out.push_back(delimiter_);
    const Column& column = batch.columns[i];
    if (column.is_null(row)) {
      out.append(null_text_);
      continue;
    }
    size_t from = out.size();
    append_formatted_value(out, column, row);
    quote_if_needed(out, from);
  }
  out.push_back('\n');
}

JsonlFormatter::JsonlFormatter(const Schema& schema) {
  for (size_t i = 0; i < schema.size(); ++i) {
    std::string prefix = i == 0 ? "{" : ",";
    append_json_string(prefix, schema.field(i).name);
    prefix.push_back(':');
    prefixes_.push_back(std::move(prefix));
  }
}

void JsonlFormatter::append_row(std::string& out, const Batch& batch, size_t row) {
  if (batch.columns.empty()) out.push_back('{');
  for (size_t i = 0; i < batch.columns.size(); ++i) {
    out.append(prefixes_[i]);
    const Column& column = batch.columns[i];
    if (column.is_null(row)) {
      out.append("null");
      continue;
    }
    switch (column.type().id) {
      case TypeId::boolean:
      case TypeId::int16:
      case TypeId::int32:
      case TypeId::int64:
      case TypeId::decimal: append_formatted_value(out, column, row); break;
      case TypeId::float32:
      case TypeId::float64: {
        double value =
            column.type().id == TypeId::float32 ? column.value<float>(row) : column.value<double>(row);
        bool finite = std::isfinite(value);
        if (!finite) out.push_back('"');
        append_formatted_value(out, column, row);
        if (!finite) out.push_back('"');
        break;
      }
      case TypeId::date:
      case TypeId::timestamp:
      case TypeId::timestamptz:
      case TypeId::uuid:
        // These text forms hold no character that JSON needs escaped.
        out.push_back('"');
        append_formatted_value(out, column, row);
        out.push_back('"');
        break;
      case TypeId::text: append_json_string(out, column.string_at(row)); break;
      case TypeId::bytes:
        scratch_.clear();
        append_formatted_value(scratch_, column, row);
        append_json_string(out, scratch_);
        break;
      case TypeId::json: {
        std::string_view text = column.string_at(row);
        out.append(text.empty() ? std::string_view("null") : text);
        break;
      }
    }
  }
  out.append("}\n");
}

}  // namespace rbc::file
