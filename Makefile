# Shortcuts for people who like make; ./dev does the work (and needs only Python).
.PHONY: check test demo run bench
check:
	./dev check
test:
	./dev test
demo:
	./dev demo
run:
	./dev run
bench:
	./dev bench
