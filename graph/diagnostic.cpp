// Rendering of located diagnostics and the "did you mean" helper.
#include "graph/diagnostic.h"

#include <algorithm>
#include <sstream>

namespace rbc {

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
    out << d->where.file_name();
    if (d->where.known()) out << ':' << d->where.line << ':' << d->where.column;
    out << ": " << severity << ": " << d->message << '\n';
    if (d->where.known()) {
      std::string line = source_line(d->where.file_name(), d->where.line);
      if (!line.empty()) {
        out << "  " << line << '\n' << "  ";
        for (uint32_t i = 1; i < d->where.column && i <= line.size(); ++i)
          out << (line[i - 1] == '\t' ? '\t' : ' ');
        out << "^\n";
      }
    }
    if (!d->hint.empty()) out << "  note: " << d->hint << '\n';
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
