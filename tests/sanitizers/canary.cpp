// A sanitizer build's canary: each mode commits one bug the sanitizers must stop, so a
// build that lost its -fsanitize flags fails the tests (tests/CMakeLists.txt, RBC_SANITIZE).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  volatile int index = argc + 6;  // 8, unknown to the optimizer
  if (std::strcmp(argv[1], "address") == 0) {
    char* bytes = static_cast<char*>(std::malloc(index));
    std::free(bytes);
    std::printf("survived %d\n", bytes[index - 1]);  // heap-use-after-free
  } else if (std::strcmp(argv[1], "undefined") == 0) {
    volatile int big = std::numeric_limits<int>::max();
    int sum = big + index - 7;  // signed integer overflow
    std::printf("survived %d\n", sum);
  } else if (std::strcmp(argv[1], "leak") == 0) {
    static void* volatile sink = nullptr;
    sink = std::malloc(64);
    sink = nullptr;  // the only pointer is gone: a leak, reported at exit
  } else {
    return 2;
  }
  return 0;
}
