// Rendering of located diagnostics and the "did you mean" helper.
#include "graph/diagnostic.h"

#include <algorithm>
#include <sstream>

#include "graph/redact.h"
#include "graph/utf8.h"

namespace rbc {

namespace {

std::string printable(std::string_view text) { return redact_secrets(scrub_utf8(text)); }

// A long line (a generated query, a minified file) is shown around the caret only, so
// that one error does not print megabytes. `line` is valid UTF-8 and stays so.
void shorten_around(std::string& line, size_t& column) {
  constexpr size_t kLongest = 240, kAround = 100;
  if (line.size() <= kLongest) return;
  auto boundary = [&](size_t at) {  // the start of the character at or after `at`
    while (at < line.size() && (static_cast<unsigned char>(line[at]) & 0xC0) == 0x80) ++at;
    return at;
  };
  size_t caret = std::min(column - 1, line.size());
  size_t begin = boundary(caret > kAround ? caret - kAround : 0);
  size_t end = boundary(std::min(line.size(), caret + kAround));
  std::string shown =
      (begin > 0 ? "..." : "") + line.substr(begin, end - begin) + (end < line.size() ? "..." : "");
  column = caret - std::min(caret, begin) + (begin > 0 ? 3 : 0) + 1;
  line = std::move(shown);
}

}  // namespace

void DiagnosticEngine::add_source(const std::string& file_name, std::string text) {
  sources_.emplace_back(file_name, std::move(text));
}

void DiagnosticEngine::error(SourceRange where, std::string message, std::string hint) {
  // A shared block (one source for many streams) is checked once per stream: say it once.
  for (const auto& d : diagnostics_) {
    if (d.message == message && d.where.line == where.line && d.where.column == where.column &&
        d.where.file_name() == where.file_name()) {
      return;
    }
  }
  diagnostics_.push_back({Severity::error, std::move(where), std::move(message), std::move(hint)});
  ++error_count_;
}

void DiagnosticEngine::warning(SourceRange where, std::string message, std::string hint) {
  diagnostics_.push_back({Severity::warning, std::move(where), std::move(message), std::move(hint)});
}

std::string DiagnosticEngine::source_line(const std::string& file, uint32_t line) const {
  for (const auto& [name, text] : sources_) {
    if (name != file) continue;
    std::istringstream in(text);
    std::string current;
    for (uint32_t n = 1; std::getline(in, current); ++n) {
      if (n == line) {
        if (!current.empty() && current.back() == '\r') current.pop_back();
        return current;
      }
    }
  }
  return {};
}

std::string DiagnosticEngine::render() const {
  std::vector<const Diagnostic*> sorted;
  for (const auto& d : diagnostics_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return std::tuple(a->where.file_name(), a->where.line, a->where.column) <
           std::tuple(b->where.file_name(), b->where.line, b->where.column);
  });
  std::ostringstream out;
  for (const Diagnostic* d : sorted) {
    const char* severity = d->severity == Severity::error     ? "error"
                           : d->severity == Severity::warning ? "warning"
                                                              : "note";
    // Messages and source lines quote what was written: print valid UTF-8 only, and
    // never a password (an error on a line that holds a URL would echo it).
    out << printable(d->where.file_name());
    if (d->where.known()) out << ':' << d->where.line << ':' << d->where.column;
    out << ": " << severity << ": " << printable(d->message) << '\n';
    if (d->where.known()) {
      std::string written = scrub_utf8(source_line(d->where.file_name(), d->where.line));
      std::string line = redact_secrets(written);
      if (!line.empty()) {
        // The caret stays under the same text when a secret before it was shortened.
        size_t before = std::min<size_t>(d->where.column - 1, written.size());
        size_t column = redact_secrets(std::string_view(written).substr(0, before)).size() + 1;
        shorten_around(line, column);
        out << "  " << line << '\n' << "  ";
        for (size_t i = 1; i < column && i <= line.size(); ++i) out << (line[i - 1] == '\t' ? '\t' : ' ');
        out << "^\n";
      }
    }
    if (!d->hint.empty()) out << "  note: " << printable(d->hint) << '\n';
  }
  return out.str();
}

static size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace rbc
