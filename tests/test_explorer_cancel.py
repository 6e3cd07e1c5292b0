"""Esc in the explorer during the long phases (PPMI, SVD), and a new run started
while one is going: it cancels that one and waits for its memory before it allocates.

Each test holds the engine inside the phase on an event, so it knows the phase is under way, and
waits on events and the screen, never on time."""

import threading
import weakref

from pretrain_explorer.engine.pretraining import weighting
from helpers import notifications, screen_text, settled, until
from pretrain_explorer.tui.app import PretrainExplorer

BOUND = 60  # seconds: only turns a hang into a failure


def hold(real, step, started: threading.Event, release: threading.Event, forced=None):
    """`real` (weighting.ppmi or truncated_svd) whose first poll of should_stop, once a
    progress event of `step` was reported, sets `started` and waits for `release` before answering."""

    def held(matrix, *args, should_stop, on_progress, **kwargs):
        seen = []

        def progress(event):
            seen.append(event.step)
            on_progress(event)

        def poll():
            if step in seen and not started.is_set():
                started.set()
                release.wait(BOUND)
            return should_stop()

        return real(matrix, *args, should_stop=poll, on_progress=progress, **(forced or {}), **kwargs)

    return held


async def press_escape_inside(app, pilot, stage_prefix, started, release):
    kept = app.result
    await until(pilot, lambda: started.is_set() and f"{stage_prefix}" in screen_text(app))
    assert "(esc cancels)" in next(line for line in screen_text(app).splitlines() if stage_prefix in line)
    worker = app._engine_worker
    await pilot.press("escape")
    release.set()
    await until(pilot, lambda: "Job cancelled" in notifications(app))
    assert "Job cancelled: Cancelled: the previous results stay on screen." in notifications(app)
    assert app.result is kept
    # Textual marks a cancelled thread worker finished at once; its thread has ended when it has
    # let go of the engine (the lock every run holds).
    await until(pilot, lambda: not app._engine_lock.locked())
    assert worker.is_cancelled and worker.state.name == "CANCELLED" and app._engine_worker is None
    return kept


async def test_escape_during_ppmi_keeps_the_previous_results(monkeypatch):
    started, release = threading.Event(), threading.Event()
    monkeypatch.setattr(weighting, "ppmi", hold(weighting.ppmi, "ppmi", started, release))
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)  # counts: no PPMI
        await pilot.press("w")  # ppmi
        kept = await press_escape_inside(app, pilot, "PPMI", started, release)
        assert kept.corpus.weighting == "counts"
        assert "kata · window 3 · stopwords on · seed 42 · top 4 · vocab 86" in screen_text(app)
        assert "· ppmi" not in screen_text(app) and "(esc cancels)" not in screen_text(app)


async def test_escape_during_svd_keeps_the_previous_results(monkeypatch):
    started, release = threading.Event(), threading.Event()
    # The kata's 86 words would go to LAPACK, which is not interrupted (it takes a millisecond
    # there): the randomized method, which polls between its products, stands for a large one.
    monkeypatch.setattr(weighting, "truncated_svd", hold(
        weighting.truncated_svd, "svd", started, release, forced={"dense_up_to": 0, "sparse_up_to": 0}))
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        await pilot.press("w")  # ppmi, run to its end
        await settled(app, pilot)
        await pilot.press("w")  # svd
        kept = await press_escape_inside(app, pilot, "Reducing dimensions: SVD, randomized", started, release)
        assert kept.corpus.weighting == "ppmi"
        assert "vocab 86 · ppmi" in screen_text(app) and "(esc cancels)" not in screen_text(app)


async def test_a_new_run_waits_for_the_one_it_cancels_to_free_its_memory(monkeypatch):
    """The first run is held inside its SVD with the PPMI matrix alive; a new seed starts a second
    run. The first is cancelled at once, and the second begins only after the first's SVD has ended
    and its matrix is gone."""
    events, matrices = [], []
    started, release = threading.Event(), threading.Event()
    held = hold(weighting.truncated_svd, "svd", started, release,
                forced={"dense_up_to": 0, "sparse_up_to": 0})

    def svd(matrix, *args, **kwargs):
        number = len(matrices) + 1
        matrices.append(weakref.ref(matrix))
        events.append(f"svd {number} began")
        try:
            return held(matrix, *args, **kwargs)
        finally:
            events.append(f"svd {number} ended")

    monkeypatch.setattr(weighting, "truncated_svd", svd)
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        staged_run = app.session.run

        def run(*args, **kwargs):
            # The first run's matrix (a weak reference: this must not keep it alive) at the start
            # of each run; the first one has none yet.
            freed = [reference() is None for reference in matrices]
            events.append(f"run {run.calls + 1} began, earlier matrices freed: {freed}")
            run.calls += 1
            return staged_run(*args, **kwargs)

        run.calls = 0
        monkeypatch.setattr(app.session, "run", run)

        await pilot.press("w")  # ppmi
        await settled(app, pilot)
        await pilot.press("w")  # svd
        await until(pilot, lambda: started.is_set())
        first = app._engine_worker
        waiting = threading.Event()
        lock = app._engine_lock

        class Announcing:
            """The app's lock, saying when a run starts waiting for it."""

            def __enter__(self):
                waiting.set()
                return lock.__enter__()

            def __exit__(self, *exc):
                return lock.__exit__(*exc)

        app._engine_lock = Announcing()
        await pilot.press("r")  # a new seed: a second run of the same svd
        assert first.is_cancelled  # cancelled by the key, before the second run does anything
        await until(pilot, waiting.is_set)  # the second run's thread is at the lock
        assert events[-1] == "svd 1 began"  # and has not begun: the first still holds its memory
        release.set()
        await settled(app, pilot)
        assert first.state.name == "CANCELLED"
        assert app.result.experiment.seed == 43 and app.result.corpus.weighting == "svd"
    svd_runs = [e for e in events if not e.startswith("run")]
    assert svd_runs == ["svd 1 began", "svd 1 ended", "svd 2 began", "svd 2 ended"]
    runs = [e for e in events if e.startswith("run")]
    assert events.index(runs[-1]) == events.index("svd 1 ended") + 1
    assert runs[-1].endswith("earlier matrices freed: [True]")


async def test_quitting_during_svd_cancels_the_run(monkeypatch):
    """q during a long SVD does not wait for it to finish: quitting cancels the run, which stops at
    its next poll."""
    started, release, ended = threading.Event(), threading.Event(), threading.Event()
    outcome = []
    held = hold(weighting.truncated_svd, "svd", started, release, forced={"dense_up_to": 0, "sparse_up_to": 0})

    def svd(*args, **kwargs):
        try:
            return held(*args, **kwargs)
        except BaseException as error:
            outcome.append(type(error).__name__)
            raise
        finally:
            ended.set()

    monkeypatch.setattr(weighting, "truncated_svd", svd)
    app = PretrainExplorer()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(app, pilot)
        await pilot.press("w")
        await settled(app, pilot)
        await pilot.press("w")
        await until(pilot, started.is_set)
        await pilot.press("q")
        release.set()
    assert ended.wait(BOUND) and outcome == ["RunCancelled"]
