"""Knowledge gaps: log every question's outcome, group what went unanswered, report it."""
