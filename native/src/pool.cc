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

// Spin this many pause instructions (~0.1 ms; a pause is ~40-140 cycles) before sleeping: a
// training step issues hundreds of short parallel regions back to back, and a futex wake-up
// per region would cost more than the work. Kept short because on a shared machine every
// spinning helper takes a core from someone else (measured: 20k spins tripled CPU time).
constexpr int kSpin = 2000;

// The work of one region is handed out through a single 64-bit ticket: generation (16 bits),
// task count (24) and next task index (24). A helper claims a task with one CAS that also
// checks the generation, so a helper that wakes late, after its region ended, can never run a
// stale or foreign task, and the caller never waits for a helper that claimed nothing: it
// waits only until every task is done. On an oversubscribed machine a descheduled helper then
// costs nothing unless it holds a task.
constexpr uint64_t kIdxBits = 24;
constexpr uint64_t kIdxMask = (uint64_t{1} << kIdxBits) - 1;
constexpr int kMaxTasks = static_cast<int>(kIdxMask);

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
    if (!busy.owns_lock() || workers_.empty() || ntasks <= 1 || ntasks > kMaxTasks) {
      for (int i = 0; i < ntasks; i++) fn(i);
      return;
    }
    job_.store(&fn);
    done_.store(0);
    const uint64_t gen = (gen_.load() + 1) & 0xffff;
    ticket_.store((gen << 48) | (static_cast<uint64_t>(ntasks) << kIdxBits));
    {
      std::lock_guard<std::mutex> lk(mu_);
      gen_.fetch_add(1);
    }
    cv_.notify_all();
    work(gen);
    for (int s = 0; s < kSpin && done_.load() != ntasks; s++) TFG_PAUSE();
    if (done_.load() != ntasks) {
      std::unique_lock<std::mutex> lk(mu_);
      waiting_.store(true);
      done_cv_.wait(lk, [&] { return done_.load() == ntasks; });
      waiting_.store(false);
    }
  }

 private:
  // Claims and runs tasks of generation `gen` until none is left.
  void work(uint64_t gen) {
    for (;;) {
      uint64_t t = ticket_.load();
      int idx, n;
      do {
        if ((t >> 48) != gen) return;
        n = static_cast<int>((t >> kIdxBits) & kIdxMask);
        idx = static_cast<int>(t & kIdxMask);
        if (idx >= n) return;
      } while (!ticket_.compare_exchange_weak(t, t + 1));
      // The claimed task is not done yet, so the caller is still inside this region and job_
      // is this generation's.
      (*job_.load())(idx);
      if (done_.fetch_add(1) + 1 == n && waiting_.load()) {
        std::lock_guard<std::mutex> lk(mu_);
        done_cv_.notify_one();
      }
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
      work(g & 0xffff);
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
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int> done_{0};
  std::atomic<bool> waiting_{false};
  std::atomic<bool> stop_flag_{false};
  std::atomic<const std::function<void(int)>*> job_{nullptr};
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
