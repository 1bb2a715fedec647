// hnswlib-bench: build an hnswlib HNSW index over base .fvecs, search the
// query .fvecs one query at a time on one thread and print recall@k against
// the ground-truth .ivecs, QPS and p50/p99 latency per ef, in the same
// format as `raftvec bench index`, so both can be run on the same files.
//
// Usage: hnswlib-bench BASE.fvecs QUERY.fvecs GT.ivecs
//            [--M 16] [--efc 200] [--threads 2] [--k 10] [--ef 10,20,40,80]
//            [--seed 100]
//
// The build adds point 0 first and then the rest in one parallel loop with
// an atomic counter over std::threads, as hnswlib's Python binding
// (ParallelFor in python_bindings/bindings.cpp) does.
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unordered_set>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// readVecs reads an .fvecs/.ivecs file: per row an int32 dimension then dim
// 4-byte values. Every row must have the same dimension.
template <typename T>
std::vector<T> readVecs(const char *path, size_t &dim, size_t &n) {
    FILE *f = std::fopen(path, "rb");
    if (!f) throw std::runtime_error(std::string("open ") + path);
    std::vector<T> out;
    dim = 0;
    n = 0;
    for (;;) {
        int32_t d;
        size_t got = std::fread(&d, 4, 1, f);
        if (got != 1) break;
        if (d <= 0 || (dim != 0 && size_t(d) != dim)) {
            std::fclose(f);
            throw std::runtime_error(std::string("bad row dimension in ") + path);
        }
        dim = size_t(d);
        size_t off = out.size();
        out.resize(off + dim);
        if (std::fread(out.data() + off, 4, dim, f) != dim) {
            std::fclose(f);
            throw std::runtime_error(std::string("truncated ") + path);
        }
        n++;
    }
    std::fclose(f);
    return out;
}

std::vector<int> parseInts(const std::string &s) {
    std::vector<int> out;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = s.find(',', i);
        if (j == std::string::npos) j = s.size();
        out.push_back(std::stoi(s.substr(i, j - i)));
        i = j + 1;
    }
    return out;
}

// cpuSeconds is the process's user+system CPU time: on a shared machine it
// shows how much of a wall-clock time was this process's own work.
double cpuSeconds() {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + 1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

std::string fmtLatency(double sec) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0fµs", sec * 1e6);
    return buf;
}

std::string baseName(const char *path) {
    std::string s(path);
    size_t slash = s.rfind('/');
    if (slash != std::string::npos) s = s.substr(slash + 1);
    const std::string suf = ".fvecs";
    if (s.size() > suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0)
        s.resize(s.size() - suf.size());
    return s;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4) {
        std::fprintf(stderr,
                     "usage: %s BASE.fvecs QUERY.fvecs GT.ivecs [--M 16] [--efc 200] [--threads 2] [--k 10] "
                     "[--ef 10,20,40,80] [--seed 100]\n",
                     argv[0]);
        return 2;
    }
    size_t M = 16, efc = 200, threads = 2, k = 10, seed = 100;
    std::vector<int> efs = {10, 20, 40, 80};
    for (int i = 4; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--M") M = std::stoul(v);
        else if (a == "--efc") efc = std::stoul(v);
        else if (a == "--threads") threads = std::stoul(v);
        else if (a == "--k") k = std::stoul(v);
        else if (a == "--ef") efs = parseInts(v);
        else if (a == "--seed") seed = std::stoul(v);
        else {
            std::fprintf(stderr, "unknown flag %s\n", a.c_str());
            return 2;
        }
    }

    size_t dim, nb, qdim, nq, gdim, gn;
    std::vector<float> base = readVecs<float>(argv[1], dim, nb);
    std::vector<float> queries = readVecs<float>(argv[2], qdim, nq);
    std::vector<int32_t> gt = readVecs<int32_t>(argv[3], gdim, gn);
    if (qdim != dim || gn != nq || gdim < k || nb == 0) {
        std::fprintf(stderr, "inconsistent files: base %zux%zu, queries %zux%zu, gt %zux%zu (k %zu)\n", nb, dim, nq,
                     qdim, gn, gdim, k);
        return 1;
    }
    std::printf("data set: %s: %zu base × %zu dims, %zu queries, metric L2, k %zu\n", baseName(argv[1]).c_str(), nb,
                dim, nq, k);
#if defined(USE_AVX512)
    const char *simd = "AVX512 (compiled in; used when the CPU has it)";
#elif defined(USE_AVX)
    const char *simd = "AVX";
#elif defined(USE_SSE)
    const char *simd = "SSE";
#else
    const char *simd = "scalar";
#endif
    std::printf("hnswlib (header-only, Debian libhnswlib-dev), distance SIMD: %s\n", simd);

    hnswlib::L2Space space(dim);
    hnswlib::HierarchicalNSW<float> index(&space, nb, M, efc, seed);

    auto start = Clock::now();
    double cpu0 = cpuSeconds();
    index.addPoint(base.data(), 0);
    std::atomic<size_t> next(1);
    std::vector<std::thread> pool;
    for (size_t t = 0; t < std::max<size_t>(threads, 1); t++) {
        pool.emplace_back([&] {
            for (size_t i = next.fetch_add(1); i < nb; i = next.fetch_add(1)) {
                index.addPoint(base.data() + i * dim, i);
            }
        });
    }
    for (auto &th : pool) th.join();
    double build = seconds(Clock::now() - start);
    double buildCPU = cpuSeconds() - cpu0;
    std::printf("index: HNSW M=%zu efConstruction=%zu, %zu build threads: build %.1fs (%.0f vectors/s)\n", M, efc,
                threads, build, double(nb) / build);
    std::printf("cpu: build %.1fs user+sys\n", buildCPU);

    // Untimed warm-up, as raftvec bench index does: 200 queries at the first ef.
    index.setEf(size_t(efs[0]));
    for (size_t i = 0; i < std::min<size_t>(nq, 200); i++) {
        index.searchKnn(queries.data() + i * dim, k);
    }
    std::vector<double> lat(nq);
    std::vector<std::vector<hnswlib::labeltype>> results(nq);
    std::string cpuLine = "cpu: queries per cpu-second";
    for (int ef : efs) {
        index.setEf(size_t(ef));
        double c0 = cpuSeconds();
        auto t0 = Clock::now();
        for (size_t i = 0; i < nq; i++) {
            auto t = Clock::now();
            auto pq = index.searchKnn(queries.data() + i * dim, k);
            lat[i] = seconds(Clock::now() - t);
            auto &r = results[i];
            r.clear();
            while (!pq.empty()) {
                r.push_back(pq.top().second);
                pq.pop();
            }
        }
        double el = seconds(Clock::now() - t0);
        char cbuf[64];
        std::snprintf(cbuf, sizeof cbuf, " ef=%d %.0f", ef, double(nq) / (cpuSeconds() - c0));
        cpuLine += cbuf;
        size_t found = 0;
        for (size_t i = 0; i < nq; i++) {
            std::unordered_set<hnswlib::labeltype> truth;
            for (size_t j = 0; j < k; j++) truth.insert(hnswlib::labeltype(gt[i * gdim + j]));
            for (auto id : results[i]) found += truth.erase(id);
        }
        std::sort(lat.begin(), lat.end());
        char label[32];
        std::snprintf(label, sizeof label, "ef=%d", ef);
        std::printf("%-10s recall@%zu=%.4f  QPS=%.0f (single thread)  p50=%s  p99=%s\n", label, k,
                    double(found) / double(nq * k), double(nq) / el, fmtLatency(lat[nq / 2]).c_str(),
                    fmtLatency(lat[std::min(nq * 99 / 100, nq - 1)]).c_str());
        std::fflush(stdout);
    }
    std::printf("%s\n", cpuLine.c_str());
    return 0;
}
