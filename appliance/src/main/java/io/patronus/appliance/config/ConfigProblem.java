package io.patronus.appliance.config;

/**
 * One thing wrong with the configuration.
 *
 * @param location where it was found: {@code file:line:column}, {@code env PATRONUS_X} or {@code defaults}
 * @param path     the dotted key, {@code links[1].colour}
 * @param message  what is wrong and what would be right
 */
public record ConfigProblem(String location, String path, String message) {
    @Override
    public String toString() {
        return location + ": " + path + ": " + message;
    }
}
