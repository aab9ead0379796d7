#include "http/transport.h"

#include <cerrno>

#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace kthena::http {

size_t Transport::send_now(const iovec* iov, size_t count) {
  int fd = plain_->native_handle();
  long n;
  if (count == 1) {
    n = ::syscall(SYS_sendto, fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL, nullptr, 0);
  } else {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov);
    msg.msg_iovlen = count;
    n = ::syscall(SYS_sendmsg, fd, &msg, MSG_NOSIGNAL);
  }
  return n > 0 ? static_cast<size_t>(n) : 0;
}

bool Transport::open_and_quiet() {
  if (!socket().is_open()) return false;
  char byte;
  long n = ::syscall(SYS_recvfrom, socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT, nullptr, nullptr);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

size_t Transport::receive_now(void* data, size_t size) {
  long n = ::syscall(SYS_recvfrom, plain_->native_handle(), data, size, 0, nullptr, nullptr);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

}  // namespace kthena::http
