package io.patronus.controller.config;

/**
 * One thing wrong with the controller's configuration.
 *
 * @param location where it was found: {@code file:line:column}, {@code env PATRONUS_CONTROLLER_X}, {@code defaults}
 *                 or {@code builder}
 * @param key      the configuration key ({@code heartbeatInterval})
 * @param message  what is wrong and what would be right
 */
public record ConfigProblem(String location, String key, String message) {
    @Override
    public String toString() {
        return location + ": " + key + ": " + message;
    }
}
