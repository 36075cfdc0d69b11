// CatalogTable helpers shared by every catalog implementation.
#include "connectors/specs/catalog.h"

namespace rbc {

const CatalogColumn* CatalogTable::column(std::string_view name) const {
  for (const auto& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::vector<std::string> CatalogTable::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (const auto& c : columns) names.push_back(c.name);
  return names;
}

const CatalogColumn* CatalogTable::default_partition_key() const {
  if (primary_key.size() != 1) return nullptr;
  const CatalogColumn* key = column(primary_key.front());
  return key != nullptr && key->integer ? key : nullptr;
}

}  // namespace rbc
