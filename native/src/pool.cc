#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TFG_PAUSE() _mm_pause()
#else
#define TFG_PAUSE() std::this_thread::yield()
#endif

namespace tfg {
namespace {

// Spin this many pause instructions (tens of microseconds) before sleeping: a training step
// issues hundreds of short parallel regions back to back, and a futex wake-up per region
// would cost more than the work; sleeping afterwards keeps an idle process off the CPU.
constexpr int kSpin = 20000;

class Pool {
 public:
  ~Pool() { stop(); }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int n) {
    stop();
    stop_ = false;
    // Workers start from the current generation: a thread that starts late must not miss
    // (or wait forever for) a region launched before it first ran.
    const uint64_t g0 = gen_.load();
    for (int i = 1; i < n; i++) workers_.emplace_back([this, g0] { loop(g0); });
  }

  void run(int ntasks, const std::function<void(int)>& fn) {
    // A second JS thread (worker_threads) calling in while a region runs just works serially.
    std::unique_lock<std::mutex> busy(run_mu_, std::try_to_lock);
    if (!busy.owns_lock() || workers_.empty() || ntasks <= 1) {
      for (int i = 0; i < ntasks; i++) fn(i);
      return;
    }
    job_ = &fn;
    ntasks_ = ntasks;
    next_.store(0);
    pending_.store(static_cast<int>(workers_.size()));
    {
      std::lock_guard<std::mutex> lk(mu_);
      gen_.fetch_add(1);
    }
    cv_.notify_all();
    work();
    for (int s = 0; s < kSpin && pending_.load() != 0; s++) TFG_PAUSE();
    if (pending_.load() != 0) {
      std::unique_lock<std::mutex> lk(mu_);
      done_cv_.wait(lk, [this] { return pending_.load() == 0; });
    }
    job_ = nullptr;
  }

 private:
  void work() {
    for (;;) {
      int i = next_.fetch_add(1);
      if (i >= ntasks_) return;
      (*job_)(i);
    }
  }

  void loop(uint64_t seen) {
    for (;;) {
      uint64_t g = gen_.load();
      for (int s = 0; s < kSpin && g == seen && !stop_flag_.load(); s++) {
        TFG_PAUSE();
        g = gen_.load();
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return stop_ || gen_.load() != seen; });
        if (stop_) return;
        g = gen_.load();
      }
      seen = g;
      work();
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_one();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
      stop_flag_.store(true);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    stop_flag_.store(false);
  }

  std::vector<std::thread> workers_;
  std::mutex mu_, run_mu_;
  std::condition_variable cv_, done_cv_;
  std::atomic<uint64_t> gen_{0};
  std::atomic<int> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_flag_{false};
  const std::function<void(int)>* job_ = nullptr;
  int ntasks_ = 0;
  bool stop_ = false;
};

int default_threads() {
  if (const char* e = std::getenv("TFGYM_NATIVE_THREADS")) {
    int n = std::atoi(e);
    if (n > 0) return n > 64 ? 64 : n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  if (hc == 0) hc = 1;
  return hc > 16 ? 16 : static_cast<int>(hc);
}

Pool& pool() {
  static Pool* p = [] {
    Pool* q = new Pool();  // leaked on purpose: joining threads during static destruction at exit can hang
    q->resize(default_threads());
    return q;
  }();
  return *p;
}

}  // namespace

int pool_threads() { return pool().threads(); }

void pool_set_threads(int n) { pool().resize(n > 0 ? (n > 64 ? 64 : n) : default_threads()); }

void pool_run(int ntasks, const std::function<void(int)>& fn) { pool().run(ntasks, fn); }

}  // namespace tfg
