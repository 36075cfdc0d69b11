// The `validate` transform: checks every row against the pipeline's rules and, under the
// destination's on_data_error, stops at the first violation (fail), drops the row
// (skip), or drops it and appends it with every rule it broke to a dead-letter JSON-lines
// file (dlq). Rules, as written in `config.rules`:
//   {assert_not_null: [col, ...]}            each column is not NULL
//   {assert_regex: {field: col, pattern: re}} the printed value matches re (whole value)
//   {assert_range: {field: col, min: x, max: y}}  min <= value <= max (either bound optional)
//   {assert_unique: [col, ...]}              the key (the columns together) is not seen twice
// NULL values pass assert_regex, assert_range and assert_unique (only assert_not_null
// rejects NULL), as in SQL constraints.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "graph/batch.h"
#include "graph/pipeline_model.h"
#include "graph/status.h"

namespace rbc {

struct ValidateOptions {
  OnDataError on_data_error = OnDataError::fail;
  std::string dlq_path;  // used under dlq
  std::string pipeline, stream;
};

class Validator {
 public:
  // Checks the rules against `input` (columns exist, regexes compile, bounds are numbers).
  static Result<std::unique_ptr<Validator>> make(const nlohmann::json& config,
                                                 std::shared_ptr<const Schema> input,
                                                 const ValidateOptions& options);
  virtual ~Validator() = default;

  // The rows that pass. `batch_index` only names the batch in error messages.
  virtual Result<Batch> process(const Batch& batch, uint64_t batch_index) = 0;
  // assert_unique remembers every key it has seen, so the operator must see rows serially.
  virtual bool stateful() const = 0;
  virtual size_t rejected_rows() const = 0;
};

}  // namespace rbc
