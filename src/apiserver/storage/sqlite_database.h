// A thin RAII layer over the SQLite C API: one connection, prepared statements, errors as Result values.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kthena::apiserver {

class SqliteStatement;

// One connection. Not thread-safe: the owner serializes every use (Store holds it under its write mutex).
class SqliteDatabase {
 public:
  static Result<SqliteDatabase> open(const std::filesystem::path& path);

  SqliteDatabase(SqliteDatabase&&) noexcept;
  SqliteDatabase& operator=(SqliteDatabase&&) noexcept;
  ~SqliteDatabase();

  // Runs one or more statements that return no rows.
  Result<void> exec(std::string_view sql);
  Result<SqliteStatement> prepare(std::string_view sql);
  // The error of the last failed call, with SQLite's extended code, for messages.
  std::string last_error() const;

 private:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement. bind_* take 1-based indexes as SQLite does; step() returns true while a row is available.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&&) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) noexcept;
  ~SqliteStatement();

  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind(int index, int64_t value);
  Result<bool> step();
  // step() until done, for statements that return no rows.
  Result<void> run();
  // Clears bindings and rewinds, ready for the next bind/step round.
  void reset();

  int64_t column_int(int index) const;
  std::string_view column_text(int index) const;

 private:
  friend class SqliteDatabase;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace kthena::apiserver
