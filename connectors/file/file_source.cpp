// The file source: schema resolution (declared or inferred), projection, and the CSV
// and JSONL readers that parse records straight into column appends.
// Inference and the readers share the CSV header layout (read_csv_layout) and what text
// reads as which type, so the readers parse exactly what inference decided. A stream of
// several files (a glob) infers from its first file with data; every file's header must name
// the same columns, in any order, and each file reads its columns by its own header.
// One file of more than 800 lines for that reason: split, the layout and type rules that
// inference and the readers must share would move to a header only they include.
#include "connectors/file/file_source.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "connectors/file/data_error_policy.h"
#include "connectors/file/record_chunks.h"
#include "connectors/file/record_errors.h"
#include "connectors/file/record_scanner.h"
#include "graph/value_format.h"

namespace rbc::file {

namespace {

constexpr size_t kInferenceRecords = 10000;
constexpr size_t kHeaderBlock = 64 << 10;  // enough to read most headers without decompressing much

// Types whose empty text is a value; for every other type an empty field is NULL.
bool empty_is_value(TypeId id) { return id == TypeId::text || id == TypeId::json; }

bool equals_ignore_case(std::string_view text, std::string_view lower_word) {
  if (text.size() != lower_word.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_word[i]) return false;
  }
  return true;
}

// "007" is an identifier more often than a number: keep it text.
bool looks_numeric(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  if (text.empty()) return false;
  if (text == "NaN" || text == "Infinity") return true;
  if (text[0] < '0' || text[0] > '9') return false;
  return !(text.size() > 1 && text[0] == '0' && text[1] >= '0' && text[1] <= '9');
}

// Which types every value seen so far in a column reads as.
struct TypeVotes {
  bool seen = false, can_bool = true, can_int = true, can_float = true;
  bool can_date = true, can_timestamp = true, can_timestamptz = true;

  void add(std::string_view text) {
    seen = true;
    if (can_bool) can_bool = equals_ignore_case(text, "true") || equals_ignore_case(text, "false");
    bool numeric = (can_int || can_float) && looks_numeric(text);
    if (can_int) can_int = numeric && text_parses_as(TypeId::int64, text);
    if (can_float) can_float = numeric && text_parses_as(TypeId::float64, text);
    if (can_date) can_date = text_parses_as(TypeId::date, text);
    if (can_timestamp) can_timestamp = text_parses_as(TypeId::timestamp, text);
    if (can_timestamptz) can_timestamptz = text_parses_as(TypeId::timestamptz, text);
  }
  TypeId result() const {
    if (!seen) return TypeId::text;
    if (can_bool) return TypeId::boolean;
    if (can_int) return TypeId::int64;
    if (can_float) return TypeId::float64;
    if (can_date) return TypeId::date;
    if (can_timestamp) return TypeId::timestamp;
    if (can_timestamptz) return TypeId::timestamptz;
    return TypeId::text;
  }
};

// The header names, or column1..columnN, of a CSV file.
struct CsvLayout {
  std::vector<std::string> names;
  bool empty_file = false;
};

Result<CsvLayout> read_csv_layout(const FileOptions& options, const std::string& path,
                                  size_t declared_count) {
  CsvScanner scanner(options.delimiter);
  RBC_RETURN_NOT_OK(scanner.open(path, options.compression, kHeaderBlock));
  CsvLayout layout;
  size_t count = declared_count;
  if (options.header || declared_count == 0) {
    RBC_ASSIGN_OR_RETURN(ScanResult first, scanner.next());
    if (first == ScanResult::end) {
      layout.empty_file = true;
      return layout;
    }
    if (first == ScanResult::malformed) {
      return Status::invalid(path + ":" + std::to_string(scanner.line()) + ": " + scanner.error());
    }
    count = scanner.fields().size();
    if (options.header) {
      std::string scratch;
      std::unordered_set<std::string> seen;  // a header of 100,000 columns stays linear
      for (const auto& field : scanner.fields()) {
        std::string name(CsvScanner::text(field, scratch));
        if (name.empty()) name = "column" + std::to_string(layout.names.size() + 1);
        if (!seen.insert(name).second) {
          return Status::invalid(path + ":" + std::to_string(scanner.line()) + ": column \"" + name +
                                 "\" appears twice in the header");
        }
        layout.names.push_back(std::move(name));
      }
      return layout;
    }
  }
  for (size_t i = 0; i < count; ++i) layout.names.push_back("column" + std::to_string(i + 1));
  return layout;
}

// The first of the stream's files that holds more than nothing (else the first).
Result<std::string> sample_file(const FileOptions& options) {
  for (const auto& path : options.files) {
    ByteInput input;
    RBC_RETURN_NOT_OK(input.open(path, options.compression));
    char byte = 0;
    RBC_ASSIGN_OR_RETURN(size_t n, input.read(&byte, 1));
    if (n > 0) return path;
  }
  return options.files.empty() ? options.path : options.files.front();
}

Result<Schema> infer_csv_schema(const FileOptions& options, const std::string& path) {
  RBC_ASSIGN_OR_RETURN(CsvLayout layout, read_csv_layout(options, path, 0));
  std::vector<TypeVotes> votes(layout.names.size());
  CsvScanner scanner(options.delimiter);
  RBC_RETURN_NOT_OK(scanner.open(path, options.compression));
  bool skip_header = options.header;
  std::string scratch;
  for (size_t records = 0; records < kInferenceRecords;) {
    RBC_ASSIGN_OR_RETURN(ScanResult scanned, scanner.next());
    if (scanned == ScanResult::end) break;
    if (scanned == ScanResult::malformed) continue;
    if (skip_header) {
      skip_header = false;
      continue;
    }
    const auto& fields = scanner.fields();
    if (fields.size() != votes.size()) continue;  // the reader will reject it
    for (size_t i = 0; i < fields.size(); ++i) {
      const CsvField& field = fields[i];
      std::string_view text = CsvScanner::text(field, scratch);
      if (text.empty() || (!field.quoted && text == options.null_text)) continue;
      votes[i].add(text);
    }
    ++records;
  }
  Schema schema;
  for (size_t i = 0; i < votes.size(); ++i) schema.add(Field{layout.names[i], DataType{votes[i].result()}});
  return schema;
}

// Which kinds of JSON value a key held in the sample.
struct JsonVotes {
  std::string name;
  bool saw_bool = false, saw_int = false, saw_float = false, saw_string = false, saw_nested = false;
  TypeVotes strings;

  TypeId result() const {
    int kinds = saw_bool + (saw_int || saw_float) + saw_string + saw_nested;
    if (kinds == 0) return TypeId::text;
    if (kinds > 1 || saw_nested) return TypeId::json;
    if (saw_bool) return TypeId::boolean;
    if (saw_float) return TypeId::float64;
    if (saw_int) return TypeId::int64;
    if (strings.can_date) return TypeId::date;
    if (strings.can_timestamp) return TypeId::timestamp;
    if (strings.can_timestamptz) return TypeId::timestamptz;
    return TypeId::text;
  }
};

void vote_json(JsonVotes& vote, const JsonValue& value) {
  switch (value.kind) {
    case JsonKind::absent:
    case JsonKind::null: break;
    case JsonKind::true_value:
    case JsonKind::false_value: vote.saw_bool = true; break;
    case JsonKind::number: {
      bool integral = value.text.find_first_of(".eE") == std::string_view::npos &&
                      text_parses_as(TypeId::int64, value.text);
      (integral ? vote.saw_int : vote.saw_float) = true;
      break;
    }
    case JsonKind::string:
      vote.saw_string = true;
      vote.strings.add(value.text);
      break;
    case JsonKind::nested: vote.saw_nested = true; break;
  }
}

// The columns of a JSONL stream: its keys, typed by the values of the first
// kInferenceRecords records of `path`. With `every_key` (schema_evolution: add_columns),
// the rest of `path` and the stream's other files are read too, for keys that first appear
// later; such a key is typed by all its values.
Result<Schema> infer_jsonl_schema(const FileOptions& options, const std::string& path, bool every_key) {
  std::vector<JsonVotes> votes;
  std::unordered_map<std::string, size_t> index;  // votes by name: a record of 100,000 keys stays linear
  bool sampling = true;
  size_t records = 0, sampled = 0;  // after the sample, votes[0, sampled) take no more votes
  auto end_sample = [&] {
    if (sampling) sampled = votes.size();
    sampling = false;
  };
  auto read = [&](const std::string& file) -> Status {
    JsonlScanner scanner;
    RBC_RETURN_NOT_OK(scanner.open(file, options.compression));
    for (;;) {
      if (records == kInferenceRecords) end_sample();
      if (!sampling && !every_key) break;
      RBC_ASSIGN_OR_RETURN(ScanResult scanned, scanner.next());
      if (scanned == ScanResult::end) break;
      if (sampling) ++records;
      size_t guess = 0;
      (void)scanner.parse([&](std::string_view key, const JsonValue& value) {
        // Keys usually come in the same order on every line: try the next one first.
        size_t at = guess < votes.size() && votes[guess].name == key ? guess : votes.size();
        if (at == votes.size()) {
          auto [it, added] = index.try_emplace(std::string(key), votes.size());
          at = it->second;
          if (added) {
            votes.emplace_back();
            votes.back().name = std::string(key);
          }
        }
        guess = at + 1;
        if (sampling || at >= sampled) vote_json(votes[at], value);
      });
    }
    return Status::ok();
  };
  RBC_RETURN_NOT_OK(read(path));
  end_sample();
  if (every_key) {
    for (const auto& file : options.files) {
      if (file != path) RBC_RETURN_NOT_OK(read(file));
    }
  }
  Schema schema;
  for (const auto& vote : votes) schema.add(Field{vote.name, DataType{vote.result()}});
  return schema;
}

// Where a CSV file's fields go: output column j reads field source_index[j] of its records.
struct CsvColumns {
  std::vector<size_t> source_index;
  size_t field_count = 0;  // fields per record
};

// What a reader needs: the files, the output schema and, per CSV file, where each output
// column comes from.
struct ReadPlan {
  FileOptions options;
  std::shared_ptr<const Schema> output;
  std::vector<CsvColumns> columns;  // CSV: one per file of options.files
  bool empty_file = false;          // one file, and it is empty
  bool inferred = false;            // the columns were inferred, not declared
};

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// For each column of `full`, the field of `layout` that holds it. With a header, by name
// (a column missing from this file's header is an error naming the file), else by position.
Result<std::vector<size_t>> csv_field_of_columns(const FileOptions& options, const std::string& path,
                                                 const CsvLayout& layout, const Schema& full) {
  std::vector<size_t> index;
  std::unordered_map<std::string_view, size_t> position;
  if (options.header && !layout.empty_file) {
    for (size_t i = 0; i < layout.names.size(); ++i) position.emplace(layout.names[i], i);
  }
  for (const auto& field : full.fields()) {
    if (!options.header || layout.empty_file) {
      index.push_back(index.size());
      continue;
    }
    auto it = position.find(field.name);
    if (it == position.end())
      return Status::invalid("file source: " + path + " has no column \"" + field.name + "\" in its header");
    index.push_back(it->second);
  }
  return index;
}

Result<ReadPlan> plan_read(const StreamRequest& request) {
  if (request.sync_mode != SyncMode::full_refresh) {
    return Status::invalid("file source: stream \"" + request.stream +
                           "\" must use sync_mode full_refresh (a file is read whole)");
  }
  if (request.on_data_error == OnDataError::dlq && request.dlq_path.empty()) {
    return Status::invalid("file source: on_data_error dlq needs a dead-letter path");
  }
  ReadPlan plan;
  RBC_ASSIGN_OR_RETURN(plan.options, resolve_file_options(request.config, request.stream, FileRole::source));
  const FileOptions& options = plan.options;

  // The full schema: declared, or inferred from the first file with data.
  Schema full;
  std::vector<CsvLayout> layouts;
  if (options.format == FileFormat::csv) {
    const size_t declared_count = request.declared_schema ? request.declared_schema->size() : 0;
    for (const auto& path : options.files) {
      RBC_ASSIGN_OR_RETURN(CsvLayout layout, read_csv_layout(options, path, declared_count));
      layouts.push_back(std::move(layout));
    }
    plan.empty_file = layouts.size() == 1 && layouts.front().empty_file;
  }
  if (request.declared_schema) {
    full = *request.declared_schema;
  } else {
    // Under add_columns a JSONL key that first appears after the sample is a column too.
    RBC_ASSIGN_OR_RETURN(
        full, infer_file_schema(options, request.schema_evolution == SchemaEvolution::add_columns));
    plan.inferred = true;
  }

  // Without declared columns, the files must agree on the header (in any order).
  if (options.format == FileFormat::csv && options.header && !request.declared_schema && layouts.size() > 1) {
    const CsvLayout* first = nullptr;
    size_t first_at = 0;
    for (size_t f = 0; f < layouts.size(); ++f) {
      if (layouts[f].empty_file) continue;
      if (first == nullptr) {
        first = &layouts[f];
        first_at = f;
        continue;
      }
      auto sorted = [](std::vector<std::string> names) {
        std::sort(names.begin(), names.end());
        return names;
      };
      if (sorted(layouts[f].names) != sorted(first->names)) {
        return Status::invalid("file source: " + options.files[f] + " has the columns (" +
                               joined(layouts[f].names) + "), which differ from those of " +
                               options.files[first_at] + " (" + joined(first->names) +
                               "); declare the stream's `columns` to read the ones they share");
      }
    }
  }

  // The output columns, as positions in `full`.
  std::vector<size_t> projection;
  Schema output;
  if (request.columns.empty()) {
    output = full;
    for (size_t i = 0; i < full.size(); ++i) projection.push_back(i);
  } else {
    for (const auto& name : request.columns) {
      int at = full.index_of(name);
      if (at < 0) {
        std::vector<std::string> known;
        for (const auto& field : full.fields()) known.push_back(field.name);
        return Status::invalid("file source: stream \"" + request.stream + "\" has no column \"" + name +
                               "\" (columns: " + joined(known) + ")");
      }
      output.add(full.field(static_cast<size_t>(at)));
      projection.push_back(static_cast<size_t>(at));
    }
  }
  for (size_t f = 0; f < layouts.size(); ++f) {
    RBC_ASSIGN_OR_RETURN(std::vector<size_t> full_index,
                         csv_field_of_columns(options, options.files[f], layouts[f], full));
    CsvColumns columns;
    columns.field_count = request.declared_schema && !options.header ? full.size() : layouts[f].names.size();
    for (size_t at : projection) columns.source_index.push_back(full_index[at]);
    plan.columns.push_back(std::move(columns));
  }
  plan.output = std::make_shared<const Schema>(std::move(output));
  return plan;
}

// Shared batch bookkeeping of the two readers. A reader reads the whole file (one
// reader of a one-file stream), or, when the stream's readers share a FileChunker, the
// chunks it claims: claim() takes the next chunk, next() parses all of it into one batch.
// The one reader of several files cuts them with a chunker of its own, chunk after chunk.
class FileReader : public PartitionReader {
 public:
  FileReader(ReadPlan plan, const StreamRequest& request, std::shared_ptr<FileChunker> chunker, bool claims)
      : plan_(std::move(plan)),
        policy_(request.on_data_error, plan_.options.path, request.stream, request.dlq_path),
        max_rows_(std::max<size_t>(1, request.max_batch_rows)),
        max_bytes_(std::max<size_t>(1, request.max_batch_bytes)),
        chunker_(std::move(chunker)),
        claims_(claims) {}

  size_t rejected_rows() const override { return policy_.rejected(); }

  Result<bool> claim() override {
    if (!claims_) return Status::internal("file source: this reader claims no chunks");
    RBC_ASSIGN_OR_RETURN(claimed_, chunker_->next(chunk_, limit_));
    if (claimed_) begin_chunk();
    return claimed_;
  }

  // The autotuner's slice of a split file (its key is the record ordinal, FileChunker): the
  // reader claims, in order with the window's other readers, the chunks before slice.hi.
  Status start_slice(const KeySlice& slice, size_t max_batch_rows) override {
    if (!claims_) return Status::internal("file source: only the readers of a split file read slices");
    limit_.below = slice.hi ? static_cast<uint64_t>(std::max<int64_t>(0, *slice.hi)) : UINT64_MAX;
    limit_.max_records = max_batch_rows;
    return Status::ok();
  }

  Result<std::optional<Batch>> next() override {
    if (claims_) {
      if (!claimed_)
        return Status::internal("file source: a reader of a split file reads the chunks it claims");
      claimed_ = false;
      // The chunk was cut to at most max_batch_rows records: it is one batch.
      Batch batch = start_batch();
      size_t rows = 0, bytes = 0;
      RBC_RETURN_NOT_OK(parse(batch, rows, bytes, false));
      batch.num_rows = rows;
      chunker_->read_ahead();  // outside the claim: decompression of the next files runs in parallel
      return finish_batch(std::move(batch));
    }
    if (chunker_) {
      for (;;) {
        RBC_ASSIGN_OR_RETURN(bool more, chunker_->next(chunk_));
        if (!more) return std::optional<Batch>();
        begin_chunk();
        Batch batch = start_batch();
        size_t rows = 0, bytes = 0;
        RBC_RETURN_NOT_OK(parse(batch, rows, bytes, false));
        if (rows == 0) continue;  // a header, or records all rejected
        batch.num_rows = rows;
        return finish_batch(std::move(batch));
      }
    }
    if (done_) return std::optional<Batch>();
    Batch batch = start_batch();
    size_t rows = 0, bytes = 0;
    RBC_RETURN_NOT_OK(parse(batch, rows, bytes, true));
    if (rows == 0 && done_) return std::optional<Batch>();
    batch.num_rows = rows;
    return finish_batch(std::move(batch));
  }

 protected:
  // Parses records into `batch` until the scanner ends (setting done_), or, when
  // `bounded`, the batch is full.
  virtual Status parse(Batch& batch, size_t& rows, size_t& bytes, bool bounded) = 0;
  // Points the scanner at chunk_.
  virtual void start_chunk() = 0;
  void begin_chunk() {
    if (chunk_.file != file_) {
      file_ = chunk_.file;
      policy_.set_origin(plan_.options.files[file_]);
    }
    start_chunk();
  }

  Batch start_batch() const {
    if (capacity_.known()) return capacity_.empty_batch(plan_.output);
    Batch batch = Batch::empty(plan_.output);
    size_t rows = std::min<size_t>(max_rows_, 8192);  // columns grow past this on demand
    for (auto& column : batch.columns)
      column.reserve(rows, column.type().is_variable_width() ? rows * 16 : 0);
    return batch;
  }
  std::optional<Batch> finish_batch(Batch batch) {
    capacity_.remember(batch);
    return std::optional<Batch>(std::move(batch));
  }
  bool batch_full(size_t rows, size_t bytes) const { return rows >= max_rows_ || bytes >= max_bytes_; }
  // Undoes the columns [0, appended) of a record that failed part-way.
  static void drop_partial_row(Batch& batch, size_t rows, size_t appended) {
    for (size_t i = 0; i < appended && i < batch.columns.size(); ++i) batch.columns[i].truncate(rows);
  }

  ReadPlan plan_;
  DataErrorPolicy policy_;
  size_t max_rows_, max_bytes_;
  bool done_ = false;
  std::string value_scratch_;
  BatchCapacity capacity_;
  std::shared_ptr<FileChunker> chunker_;  // shared by the stream's readers of a split file
  bool claims_ = false;                   // chunker_ is shared: the runner claims its chunks
  Chunk chunk_;                           // the chunk claimed
  ClaimLimit limit_;                      // the autotuner's slice being read: what claim() may take
  size_t file_ = 0;                       // which of the stream's files chunk_ comes from
  bool claimed_ = false;
};

class CsvReader final : public FileReader {
 public:
  CsvReader(ReadPlan plan, const StreamRequest& request, std::shared_ptr<FileChunker> chunker, bool claims)
      : FileReader(std::move(plan), request, std::move(chunker), claims), scanner_(plan_.options.delimiter) {}

  Status open() {
    skip_header_ = plan_.options.header;
    done_ = plan_.empty_file;
    return done_ || chunker_ ? Status::ok() : scanner_.open(plan_.options.path, plan_.options.compression);
  }

 private:
  void start_chunk() override {
    scanner_.open_chunk(chunk_.view(), chunk_.first_line, chunk_.file_start);
    skip_header_ = plan_.options.header && chunk_.file_start;
  }

  Status parse(Batch& batch, size_t& rows, size_t& bytes, bool bounded) override {
    const Schema& schema = *plan_.output;
    const CsvColumns& columns = plan_.columns[file_];
    const size_t column_count = batch.columns.size();
    const std::string& null_text = plan_.options.null_text;
    while (!bounded || !batch_full(rows, bytes)) {
      RBC_ASSIGN_OR_RETURN(ScanResult scanned, scanner_.next());
      if (scanned == ScanResult::end) {
        done_ = true;
        break;
      }
      if (scanned == ScanResult::malformed) {
        RBC_RETURN_NOT_OK(policy_.reject(scanner_.line(), scanner_.raw(), scanner_.error()));
        continue;
      }
      if (skip_header_) {
        skip_header_ = false;
        continue;
      }
      const auto& fields = scanner_.fields();
      if (fields.size() != columns.field_count) {
        RBC_RETURN_NOT_OK(policy_.reject(scanner_.line(), scanner_.raw(),
                                         "expected " + std::to_string(columns.field_count) +
                                             " fields, found " + std::to_string(fields.size())));
        continue;
      }
      size_t j = 0;
      std::string_view text;
      bool bad_utf8 = false;
      for (; j < column_count; ++j) {
        const CsvField& field = fields[columns.source_index[j]];
        Column& column = batch.columns[j];
        const TypeId id = column.type().id;
        // NULL: the unquoted null text, or an empty field of a type whose empty text is no value.
        const bool is_null = field.size == 0 ? (!field.quoted && null_text.empty()) || !empty_is_value(id)
                                             : !field.quoted && field.size == null_text.size() &&
                                                   std::memcmp(field.data, null_text.data(), field.size) == 0;
        if (is_null) {
          column.append_null();
          continue;
        }
        text = CsvScanner::text(field, unquote_scratch_);
        if (id == TypeId::text) {
          // rbc's text is UTF-8, as PostgreSQL's: other bytes are a data error, not a value.
          if (invalid_utf8_at(text) != std::string_view::npos) {
            bad_utf8 = true;
            break;
          }
          column.append_string(text);
        } else if (!append_parsed_value(column, text, value_scratch_)) {
          break;
        }
      }
      if (bad_utf8) {
        drop_partial_row(batch, rows, j);
        const CsvField& field = fields[columns.source_index[j]];
        const std::string_view written(field.data, field.size);  // the same first bad byte
        const size_t at = std::min(invalid_utf8_at(written), written.size() - 1);
        auto [line, col] = position_in(scanner_.raw(), scanner_.line(), field.data + at);
        RBC_RETURN_NOT_OK(
            policy_.reject(line, scanner_.raw(), invalid_utf8(schema.field(j), written, at), col));
        bad_utf8 = false;
        continue;
      }
      if (j < column_count) {
        drop_partial_row(batch, rows, j);
        RBC_RETURN_NOT_OK(
            policy_.reject(scanner_.line(), scanner_.raw(), cannot_read(schema.field(j), text)));
        continue;
      }
      ++rows;
      bytes += scanner_.raw().size() + 1;
    }
    return Status::ok();
  }

  CsvScanner scanner_;
  bool skip_header_ = false;
  std::string unquote_scratch_;
};

// Appends one JSON member value to a column; false when it does not fit the type.
bool append_json_value(Column& column, const JsonValue& value, std::string& scratch) {
  if (value.kind == JsonKind::absent || value.kind == JsonKind::null) {
    column.append_null();
    return true;
  }
  switch (column.type().id) {
    case TypeId::json:
      // Nested values were only checked for balance; strings and scalars are complete.
      if (value.kind == JsonKind::nested && !text_parses_as(TypeId::json, value.raw)) return false;
      column.append_string(value.raw);
      return true;
    case TypeId::text:
      column.append_string(value.kind == JsonKind::string ? value.text : value.raw);
      return true;
    case TypeId::boolean:
      if (value.kind == JsonKind::true_value || value.kind == JsonKind::false_value) {
        column.append<uint8_t>(value.kind == JsonKind::true_value ? 1 : 0);
        return true;
      }
      return value.kind == JsonKind::string && append_parsed_value(column, value.text, scratch);
    case TypeId::int16:
    case TypeId::int32:
    case TypeId::int64:
    case TypeId::float32:
    case TypeId::float64:
    case TypeId::decimal:
      return (value.kind == JsonKind::number || value.kind == JsonKind::string) &&
             append_parsed_value(column, value.text, scratch);
    case TypeId::bytes:
    case TypeId::date:
    case TypeId::timestamp:
    case TypeId::timestamptz:
    case TypeId::uuid:
      return value.kind == JsonKind::string && append_parsed_value(column, value.text, scratch);
  }
  return false;
}

class JsonlReader final : public FileReader {
 public:
  JsonlReader(ReadPlan plan, const StreamRequest& request, std::shared_ptr<FileChunker> chunker, bool claims)
      : FileReader(std::move(plan), request, std::move(chunker), claims),
        // Declared columns choose the keys read; inferred ones follow schema_evolution.
        late_keys_(plan_.inferred ? request.schema_evolution : SchemaEvolution::ignore) {
    for (const auto& field : plan_.output->fields()) names_.push_back(field.name);
    for (size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
    slots_.resize(names_.size());
  }

  Status open() {
    return chunker_ ? Status::ok() : scanner_.open(plan_.options.path, plan_.options.compression);
  }

 private:
  void start_chunk() override { scanner_.open_chunk(chunk_.view(), chunk_.first_line, chunk_.file_start); }

  Status parse(Batch& batch, size_t& rows, size_t& bytes, bool bounded) override {
    const Schema& schema = *plan_.output;
    const size_t column_count = batch.columns.size();
    while (!bounded || !batch_full(rows, bytes)) {
      RBC_ASSIGN_OR_RETURN(ScanResult scanned, scanner_.next());
      if (scanned == ScanResult::end) {
        done_ = true;
        break;
      }
      for (auto& slot : slots_) slot.kind = JsonKind::absent;
      size_t guess = 0;
      std::optional<std::string_view> late_key;
      bool parsed = scanner_.parse([&](std::string_view key, const JsonValue& value) {
        // Keys usually come in the same order on every line: try the next one first.
        size_t at = guess;
        if (at >= names_.size() || names_[at] != key) {
          auto it = index_.find(key);
          at = it == index_.end() ? names_.size() : it->second;
        }
        if (at == names_.size()) {  // a key the stream does not read
          if (!late_key) late_key = key;
          return;
        }
        slots_[at] = value;
        guess = at + 1;
      });
      if (!parsed) {
        RBC_RETURN_NOT_OK(policy_.reject(scanner_.line(), scanner_.raw(), scanner_.error()));
        continue;
      }
      if (late_key && late_keys_ != SchemaEvolution::ignore) return late_key_error(*late_key);
      size_t j = 0;
      bool bad_utf8 = false;
      for (; j < column_count; ++j) {
        const JsonValue& value = slots_[j];
        // (a string's text, since an escaped lone surrogate decodes to no UTF-8 either)
        if ((value.kind == JsonKind::string || value.kind == JsonKind::nested) &&
            invalid_utf8_at(value.kind == JsonKind::string ? value.text : value.raw) !=
                std::string_view::npos) {
          bad_utf8 = true;  // JSON is UTF-8 (RFC 8259): other bytes are a data error
          break;
        }
        if (!append_json_value(batch.columns[j], value, value_scratch_)) break;
      }
      if (bad_utf8) {
        drop_partial_row(batch, rows, j);
        const JsonValue& value = slots_[j];
        size_t at = invalid_utf8_at(value.raw);
        const bool in_raw = at != std::string_view::npos;  // else an escape decoded to it
        const std::string_view bad = in_raw ? value.raw : value.text;
        if (!in_raw) at = invalid_utf8_at(value.text);
        auto [line, col] =
            position_in(scanner_.raw(), scanner_.line(), in_raw ? value.raw.data() + at : value.raw.data());
        RBC_RETURN_NOT_OK(policy_.reject(line, scanner_.raw(), invalid_utf8(schema.field(j), bad, at), col));
        continue;
      }
      if (j < column_count) {
        drop_partial_row(batch, rows, j);
        RBC_RETURN_NOT_OK(
            policy_.reject(scanner_.line(), scanner_.raw(), cannot_read(schema.field(j), slots_[j].raw)));
        continue;
      }
      ++rows;
      bytes += scanner_.raw().size() + 1;
    }
    return Status::ok();
  }

  // A key the inferred columns lack: the run stops here (schema_evolution fail, or a file
  // that changed since the run read its keys under add_columns).
  Status late_key_error(std::string_view key) const {
    auto [line, col] = position_in(scanner_.raw(), scanner_.line(), key.data());
    std::string where = policy_.origin() + ":" + std::to_string(line);
    if (col != 0) where += ":" + std::to_string(col);
    std::string message = where + ": key " + quoted_value(key) + " is not among the stream's columns";
    if (late_keys_ == SchemaEvolution::fail) {
      message += ", which rbc infers from the first " + std::to_string(kInferenceRecords) +
                 " records (schema_evolution: fail); declare the stream's columns, or set schema_evolution: "
                 "add_columns to read it or ignore to leave it out";
    } else {
      message += ", read from every record when the run started: did the file change during the run?";
    }
    return Status::invalid(std::move(message));
  }

  JsonlScanner scanner_;
  std::vector<std::string> names_;
  std::unordered_map<std::string_view, size_t> index_;  // into names_, for keys out of order
  std::vector<JsonValue> slots_;
  SchemaEvolution late_keys_;
};

class FileSource final : public Source {
 public:
  Result<std::shared_ptr<const Schema>> prepare(const StreamRequest& request) override {
    RBC_ASSIGN_OR_RETURN(ReadPlan plan, plan_read(request));
    const FileOptions& options = plan.options;
    if (request.claimed_chunks) {
      // One chunker for the stream's readers: they take its chunks in file order.
      chunker_ =
          std::make_shared<FileChunker>(options.files, options.compression, options.format, options.delimiter,
                                        request.max_batch_bytes, request.max_batch_rows);
      RBC_RETURN_NOT_OK(chunker_->open());
    }
    auto output = plan.output;
    plan_ = std::move(plan);  // the readers share it: each file's header is read once
    return output;
  }

  // A split file's key is its records' ordinal over the stream, estimated from its size.
  std::optional<KeySpan> key_span(const StreamRequest& /*request*/) override {
    if (!chunker_ || !plan_) return std::nullopt;
    const uint64_t records = estimate_records(plan_->options.files, plan_->options.compression);
    KeySpan span;
    span.empty = false;  // an empty stream is a tiny one: every window would read nothing
    span.max = static_cast<int64_t>(std::max<uint64_t>(records, 1) - 1);
    span.estimated_rows = static_cast<double>(records);
    span.records = true;
    return span;
  }

  Result<std::unique_ptr<PartitionReader>> open(const StreamRequest& request, int index) override {
    if (!request.claimed_chunks && (request.partition_count != 1 || index != 0)) {
      return Status::invalid("file source: stream \"" + request.stream +
                             "\" is read by several readers only in claimed chunks");
    }
    if (!plan_) {
      RBC_ASSIGN_OR_RETURN(ReadPlan plan, plan_read(request));
      plan_ = std::move(plan);
    }
    ReadPlan plan = *plan_;
    const FileOptions& options = plan.options;
    std::shared_ptr<FileChunker> chunker = chunker_;
    if (!chunker && options.files.size() > 1) {
      chunker =
          std::make_shared<FileChunker>(options.files, options.compression, options.format, options.delimiter,
                                        request.max_batch_bytes, request.max_batch_rows);
      RBC_RETURN_NOT_OK(chunker->open());
    }
    const bool claims = request.claimed_chunks;
    if (options.format == FileFormat::csv) {
      auto reader = std::make_unique<CsvReader>(std::move(plan), request, chunker, claims);
      RBC_RETURN_NOT_OK(reader->open());
      return std::unique_ptr<PartitionReader>(std::move(reader));
    }
    auto reader = std::make_unique<JsonlReader>(std::move(plan), request, chunker, claims);
    RBC_RETURN_NOT_OK(reader->open());
    return std::unique_ptr<PartitionReader>(std::move(reader));
  }

 private:
  std::shared_ptr<FileChunker> chunker_;  // split files: set by prepare()
  std::optional<ReadPlan> plan_;          // set by prepare()
};

}  // namespace

std::unique_ptr<Source> make_file_source() { return std::make_unique<FileSource>(); }

Result<Schema> infer_file_schema(const FileOptions& options, bool every_key) {
  RBC_ASSIGN_OR_RETURN(std::string path, sample_file(options));
  return options.format == FileFormat::csv ? infer_csv_schema(options, path)
                                           : infer_jsonl_schema(options, path, every_key);
}

}  // namespace rbc::file
