// The liblsl side of bench/lsl-vs-liblsl.sh: one outlet or one inlet of 64 ch x 10 kHz float32 (by default), doing
// exactly what `pipeline lsl peer` does with our managed LSL, so the two can be swapped against each other.
// Our own program (MIT, like the repository); it only calls liblsl's public C++ API and is built against the
// liblsl the script compiled from the user's source folder.
//
//   lsl-peer outlet NAME CHANNELS RATE SECONDS CHUNK
//   lsl-peer inlet  NAME CHANNELS RATE SECONDS CHUNK
//
// Outlet: waits for a consumer, pushes CHUNK samples every CHUNK/RATE s on absolute due times, channel 0 = the
// sample's index, channel k = (index % 1024) * 128 + k, every sample stamped with local_clock() at its push.
// Inlet: resolves NAME, blocks in pull_sample (0.5 s timeout) for the first sample then takes what else is buffered
// with pull_chunk_multiplexed (timeout 0), checks index order and pattern, and records pull time - timestamp.
// Both print one line `result key=value ...` (CPU of the whole process from getrusage, max RSS in KiB).
#include <lsl_cpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

static float pattern(long long index, int ch) { return static_cast<float>((index & 1023) * 128 + ch); }

static void report(const char *role, long long samples, long long lost, long long dupes, long long corrupt,
	std::vector<double> &latency) {
	rusage ru{};
	getrusage(RUSAGE_SELF, &ru);
	double user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	double sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	std::sort(latency.begin(), latency.end());
	auto q = [&](double p) {
		if (latency.empty()) return -1.0;
		return latency[std::min(latency.size() - 1, static_cast<size_t>(p * (latency.size() - 1) + 0.5))];
	};
	std::printf("result role=%s impl=liblsl samples=%lld lost=%lld dupes=%lld corrupt=%lld user_s=%.3f sys_s=%.3f "
				"maxrss_kib=%ld lat_p50_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f\n",
		role, samples, lost, dupes, corrupt, user, sys, ru.ru_maxrss, q(0.5), q(0.99), q(1.0));
	std::fflush(stdout);
}

static int run_outlet(const std::string &name, int channels, double rate, double seconds, int chunk) {
	lsl::stream_info info(name, "Bench", channels, rate, lsl::cf_float32, name);
	lsl::stream_outlet outlet(info); // liblsl's defaults: chunk size from the pushes, 360 s buffered
	if (!outlet.wait_for_consumers(30)) {
		std::fprintf(stderr, "lsl-peer outlet: no consumer within 30 s\n");
		return 1;
	}
	const long long chunks = static_cast<long long>(std::ceil(rate * seconds / chunk));
	std::vector<float> data(static_cast<size_t>(chunk) * channels);
	std::vector<double> stamps(chunk);
	auto start = std::chrono::steady_clock::now();
	const double period = chunk / rate;
	long long index = 0;
	for (long long k = 0; k < chunks; k++) {
		std::this_thread::sleep_until(start + std::chrono::duration<double>(k * period));
		for (int i = 0; i < chunk; i++, index++) {
			float *row = &data[static_cast<size_t>(i) * channels];
			row[0] = static_cast<float>(index);
			for (int ch = 1; ch < channels; ch++) row[ch] = pattern(index, ch);
		}
		std::fill(stamps.begin(), stamps.end(), lsl::local_clock());
		outlet.push_chunk_multiplexed(data.data(), stamps.data(), data.size(), true);
	}
	// Give the consumer time to drain before the connection closes.
	std::this_thread::sleep_for(std::chrono::seconds(2));
	std::vector<double> none;
	report("outlet", index, 0, 0, 0, none);
	return 0;
}

static int run_inlet(const std::string &name, int channels, double rate, double seconds, int chunk) {
	auto found = lsl::resolve_stream("name", name, 1, 30);
	if (found.empty()) {
		std::fprintf(stderr, "lsl-peer inlet: stream %s not found within 30 s\n", name.c_str());
		return 1;
	}
	lsl::stream_inlet inlet(found[0]); // liblsl's defaults: 360 s buffered
	inlet.open_stream(30);
	const long long total = static_cast<long long>(std::ceil(rate * seconds / chunk)) * chunk;
	const int capacity = std::max(chunk * 4, 1024);
	std::vector<float> data(static_cast<size_t>(capacity) * channels);
	std::vector<double> stamps(capacity);
	std::vector<double> latency;
	latency.reserve(static_cast<size_t>(total));
	long long next = 0, received = 0, lost = 0, dupes = 0, corrupt = 0;
	double last_data = lsl::local_clock();
	while (next < total && lsl::local_clock() - last_data < 5) {
		double ts = inlet.pull_sample(data.data(), channels, 0.5);
		if (ts == 0.0) continue;
		stamps[0] = ts;
		size_t n = 1 + inlet.pull_chunk_multiplexed(data.data() + channels, stamps.data() + 1,
						   data.size() - channels, stamps.size() - 1, 0.0) / channels;
		double now = lsl::local_clock();
		last_data = now;
		for (size_t i = 0; i < n; i++) {
			const float *row = &data[i * channels];
			long long index = static_cast<long long>(row[0]);
			if (index == next) next++;
			else if (index > next) { lost += index - next; next = index + 1; }
			else dupes++;
			for (int ch = 1; ch < channels; ch++)
				if (row[ch] != pattern(index, ch)) { corrupt++; break; }
			latency.push_back((now - stamps[i]) * 1000);
		}
		received += static_cast<long long>(n);
	}
	lost += total - next;
	report("inlet", received, lost, dupes, corrupt, latency);
	return 0;
}

int main(int argc, char **argv) {
	if (argc != 7) {
		std::fprintf(stderr, "usage: lsl-peer outlet|inlet NAME CHANNELS RATE SECONDS CHUNK\n");
		return 2;
	}
	std::string role = argv[1], name = argv[2];
	int channels = std::atoi(argv[3]);
	double rate = std::atof(argv[4]), seconds = std::atof(argv[5]);
	int chunk = std::atoi(argv[6]);
	try {
		if (role == "outlet") return run_outlet(name, channels, rate, seconds, chunk);
		if (role == "inlet") return run_inlet(name, channels, rate, seconds, chunk);
	} catch (std::exception &e) {
		std::fprintf(stderr, "lsl-peer %s: %s\n", role.c_str(), e.what());
		return 1;
	}
	std::fprintf(stderr, "lsl-peer: the role must be outlet or inlet, not %s\n", role.c_str());
	return 2;
}
