// Byte sizes, durations, ${VAR} substitution and secret redaction.
#include "dsl/values.h"

#include <gtest/gtest.h>

#include <chrono>

#include "graph/redact.h"

namespace rbc {
namespace {

TEST(Values, ByteSizes) {
  EXPECT_EQ(parse_byte_size("4096"), 4096);
  EXPECT_EQ(parse_byte_size("64mb"), int64_t{64} << 20);
  EXPECT_EQ(parse_byte_size("1gb"), int64_t{1} << 30);
  EXPECT_EQ(parse_byte_size("8MiB"), int64_t{8} << 20);
  EXPECT_EQ(parse_byte_size("512kb"), int64_t{512} << 10);
  EXPECT_FALSE(parse_byte_size("fast"));
  EXPECT_FALSE(parse_byte_size("-1mb"));
  EXPECT_FALSE(parse_byte_size("12tb"));
  EXPECT_FALSE(parse_byte_size("99999999999999gb"));
}

TEST(Values, Durations) {
  EXPECT_EQ(parse_duration_seconds("90"), 90);
  EXPECT_EQ(parse_duration_seconds("90s"), 90);
  EXPECT_EQ(parse_duration_seconds("5m"), 300);
  EXPECT_EQ(parse_duration_seconds("1h"), 3600);
  EXPECT_FALSE(parse_duration_seconds("soon"));
}

TEST(Values, Substitution) {
  EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOST") return "db.local";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  EXPECT_EQ(substitute_variables("postgresql://${HOST}/x", env).text, "postgresql://db.local/x");
  EXPECT_EQ(substitute_variables("${PORT:-5432}", env).text, "5432");
  EXPECT_EQ(substitute_variables("${EMPTY:-fallback}", env).text, "fallback");
  EXPECT_EQ(substitute_variables("$${HOST}", env).text, "${HOST}");
  Substitution missing = substitute_variables("url=${NOPE}", env);
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.missing_variable, "NOPE");
  EXPECT_EQ(missing.missing_offset, 4u);
}

TEST(Values, SubstitutionTakesLinearTime) {
  // A '}' was searched for from every byte: 1 MB took 20 s, 10 MB half an hour.
  EnvLookup env = [](const std::string&) -> std::optional<std::string> { return "v"; };
  auto started = std::chrono::steady_clock::now();
  std::string plain(10 << 20, 'x');
  EXPECT_EQ(substitute_variables(plain + "${A}", env).text.size(), plain.size() + 1);
  std::string unclosed;
  for (int i = 0; i < (1 << 20); ++i) unclosed += "${";
  EXPECT_EQ(substitute_variables(unclosed, env).text, unclosed);
  std::string many;
  for (int i = 0; i < (1 << 18); ++i) many += "${A} ";
  EXPECT_EQ(substitute_variables(many, env).text.size(), size_t{2} << 18);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
}

TEST(Redact, UrlsConninfoAndKeys) {
  EXPECT_EQ(redact_secrets("postgresql://rbc:s3cret@127.0.0.1:5432/db"),
            "postgresql://rbc:***@127.0.0.1:5432/db");
  EXPECT_EQ(redact_secrets("host=h user=u password=s3cret dbname=d"), "host=h user=u password=*** dbname=d");
  EXPECT_EQ(redact_secrets("host=h password='a b' dbname=d"), "host=h password=*** dbname=d");
  EXPECT_EQ(redact_secrets("postgresql://h/db?user=u&password=x&sslmode=off"),
            "postgresql://h/db?user=u&password=***&sslmode=off");
  EXPECT_EQ(redact_secrets("postgresql://rbc@h/db"), "postgresql://rbc@h/db");
  nlohmann::json config = {{"password", "pw"}, {"url", "postgresql://a:b@h/d"}, {"port", 5432}};
  EXPECT_EQ(redact_config(config).dump(), R"({"password":"***","port":5432,"url":"postgresql://a:***@h/d"})");
}

TEST(Redact, EveryConninfoFormLibpqAccepts) {
  // Spaces around '=', quotes with escaped quotes, other password keywords, several hosts.
  EXPECT_EQ(redact_secrets("host=h password = x user=u"), "host=h password = *** user=u");
  EXPECT_EQ(redact_secrets("password='Pw\\'S3' user=u"), "password=*** user=u");
  EXPECT_EQ(redact_secrets("password='unclosed user=u"), "password=***");
  EXPECT_EQ(redact_secrets("host=h sslpassword=k dbname=d"), "host=h sslpassword=*** dbname=d");
  EXPECT_EQ(redact_secrets("postgres://u:p@h1:5432,h2:5433/db?sslmode=require"),
            "postgres://u:***@h1:5432,h2:5433/db?sslmode=require");
  EXPECT_EQ(redact_secrets("postgresql://rbc:rbc@h/db"), "postgresql://rbc:***@h/db");
  EXPECT_EQ(redact_secrets("postgresql://:pw@h"), "postgresql://:***@h");
}

TEST(Redact, SourceLinesAsTheyAreWritten) {
  // The lines a diagnostic echoes: YAML and .rbc entries, JSON, a URL inside quotes.
  EXPECT_EQ(redact_secrets(R"(  config: {url: "postgresql://rbc:hunter2@db.example/x", sslmod: require})"),
            R"(  config: {url: "postgresql://rbc:***@db.example/x", sslmod: require})");
  EXPECT_EQ(redact_secrets("    password: hunter 2  # from the vault"),
            "    password: ***  # from the vault");
  EXPECT_EQ(redact_secrets(R"(  config: {password: "a,b", user: rbc})"),
            R"(  config: {password: ***, user: rbc})");
  EXPECT_EQ(redact_secrets(R"(let dst = postgres(url: env("U"), password: "x\"y"))"),
            R"(let dst = postgres(url: env("U"), password: ***))");
  EXPECT_EQ(redact_secrets(R"({"password":"pw","port":5432})"), R"({"password":***,"port":5432})");
  EXPECT_EQ(redact_secrets("api_token: abc, user: u"), "api_token: ***, user: u");
  EXPECT_EQ(redact_secrets("passwords are never printed"), "passwords are never printed");
}

}  // namespace
}  // namespace rbc
