#include "apiserver/storage/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kthena::apiserver {
namespace {

tl::unexpected<Error> sqlite_error(sqlite3* db, std::string_view what) {
  std::string message = std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return fail(ErrorCode::kIo, std::move(message));
}

}  // namespace

Result<SqliteDatabase> SqliteDatabase::open(const std::filesystem::path& path) {
  // The database holds every Secret: its owner's alone. SQLite creates a file 0644 and gives its WAL and shared-memory
  // files the database file's mode, so the file is made (or, from an older version, changed to) 0600 first.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return fail(ErrorCode::kIo, "open " + path.string() + ": " + std::strerror(errno));
  const bool private_mode = ::fchmod(fd, 0600) == 0;
  ::close(fd);
  if (!private_mode) return fail(ErrorCode::kIo, "chmod 0600 " + path.string() + ": " + std::strerror(errno));
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string companion = path.string() + suffix;
    if (::chmod(companion.c_str(), 0600) != 0 && errno != ENOENT) {
      return fail(ErrorCode::kIo, "chmod 0600 " + companion + ": " + std::strerror(errno));
    }
  }
  sqlite3* db = nullptr;
  // NOMUTEX: the owner serializes all use of the connection, so SQLite's own mutex would be pure overhead.
  int rc =
      sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  SqliteDatabase result(db);
  if (rc != SQLITE_OK) return sqlite_error(db, "open " + path.string());
  sqlite3_extended_result_codes(db, 1);
  return result;
}

SqliteDatabase::SqliteDatabase(SqliteDatabase&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

SqliteDatabase& SqliteDatabase::operator=(SqliteDatabase&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

SqliteDatabase::~SqliteDatabase() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Result<void> SqliteDatabase::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string error = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return fail(ErrorCode::kIo, "sqlite: " + error + " (in: " + text.substr(0, 80) + ")");
  }
  return {};
}

Result<SqliteStatement> SqliteDatabase::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    return sqlite_error(db_, "prepare");
  }
  return SqliteStatement(db_, stmt);
}

std::string SqliteDatabase::last_error() const {
  return sqlite3_errmsg(db_);
}

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {}

SqliteStatement& SqliteStatement::operator=(SqliteStatement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Result<bool> SqliteStatement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, "step");
}

Result<void> SqliteStatement::run() {
  for (;;) {
    auto row = step();
    if (!row) {
      reset();
      return fail(row.error());
    }
    if (!*row) break;
  }
  reset();
  return {};
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string_view SqliteStatement::column_text(int index) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return {text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))};
}

}  // namespace kthena::apiserver
