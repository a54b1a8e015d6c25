// Coordinates stderr between log lines and an in-place progress bar, so they do not garble each other.
#pragma once

#include <string>

namespace labkit::terminal {

// True when stderr is an interactive terminal (progress bars redraw in place only then).
bool stderr_is_tty();
// Writes a complete log line; an active progress bar is cleared first and redrawn after.
void write_line_above_progress(const std::string& line);
// Sets (or, with an empty string, clears) the in-place status line drawn at the bottom.
void set_status_line(const std::string& status);

}  // namespace labkit::terminal
