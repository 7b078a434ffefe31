package dev.dxfs.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Outcome counts of one scenario, keeping the first few distinct details of {@code other}, and
 * apart from them the tool's own races: failed writes of the web build, which are not about the
 * binary and which dxfs does not claim to fix.
 */
public final class Tally {
    static final int KEPT_DETAILS = 3;

    private final Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
    private final Set<String> otherDetails = new LinkedHashSet<>();
    private final Map<String, Integer> ownRaces = new LinkedHashMap<>();
    private final List<Integer> ownRacesByRun = new ArrayList<>();

    void add(Outcome outcome, String detail) {
        counts.merge(outcome, 1, Integer::sum);
        if (outcome == Outcome.OTHER && otherDetails.size() < KEPT_DETAILS) {
            otherDetails.add(detail);
        }
    }

    void addOwnRace(String detail) {
        ownRaces.merge(detail, 1, Integer::sum);
    }

    public int ownRaces() {
        return ownRaces.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Closes a run of the scenario: its own races are counted apart too. */
    void endRun() {
        ownRacesByRun.add(ownRaces() - ownRacesByRun.stream().mapToInt(Integer::intValue).sum());
    }

    /** The own races of each run, in order, which tell how much the count varies between runs. */
    public List<Integer> ownRacesByRun() {
        return Collections.unmodifiableList(ownRacesByRun);
    }

    /** Each distinct failed step with how often it failed, in the order first seen. */
    public Map<String, Integer> ownRaceDetails() {
        return Collections.unmodifiableMap(ownRaces);
    }

    public int count(Outcome outcome) {
        return counts.getOrDefault(outcome, 0);
    }

    public int total() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    public int failures() {
        return total() - count(Outcome.OK);
    }

    public List<String> otherDetails() {
        return Collections.unmodifiableList(new ArrayList<>(otherDetails));
    }
}
