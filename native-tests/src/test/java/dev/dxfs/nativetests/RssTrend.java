package dev.dxfs.nativetests;

import java.util.List;

/**
 * Resident memory samples of a process taken at a steady rate, reduced to whether they grow:
 * the first fifth is warm-up (the JVM touching its heap), and the growth is the median of the
 * last fifth minus the median of the fifth after the warm-up. A leak keeps growing; a warm
 * process goes up and down around a level.
 */
record RssTrend(List<Long> samplesKib) {
    static RssTrend of(List<Long> samplesKib) {
        if (samplesKib.size() < 10) {
            throw new AssertionError("too few RSS samples to see a trend: " + samplesKib);
        }
        return new RssTrend(List.copyOf(samplesKib));
    }

    long growthKib() {
        int fifth = samplesKib.size() / 5;
        return median(samplesKib.subList(samplesKib.size() - fifth, samplesKib.size()))
                - median(samplesKib.subList(fifth, 2 * fifth));
    }

    private static long median(List<Long> samples) {
        return samples.stream().sorted().toList().get(samples.size() / 2);
    }

    @Override
    public String toString() {
        long min = samplesKib.stream().mapToLong(Long::longValue).min().orElseThrow();
        long max = samplesKib.stream().mapToLong(Long::longValue).max().orElseThrow();
        return String.format("RSS %d samples, first %d MiB, last %d MiB, min %d MiB, max %d MiB, growth after warm-up %d KiB",
                samplesKib.size(), samplesKib.get(0) >> 10, samplesKib.get(samplesKib.size() - 1) >> 10, min >> 10,
                max >> 10, growthKib());
    }
}
