"""Running a pipeline: the frame loop, buffering between threads, live controls, the stages chosen."""
