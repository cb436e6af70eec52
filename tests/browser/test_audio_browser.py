"""A sound model in headless Chromium: players are on the pages and their sources decode as WAV.

Each ``<audio>`` element's source is fetched by the page itself and decoded by the
browser's own ``OfflineAudioContext.decodeAudioData`` (no user gesture needed):
the browser must read it as 16 kHz audio of the length the page promises.
Screenshots go to test-artifacts/screenshots.
"""

from __future__ import annotations

from pw import no_exception, tall_screenshot
from pw import open_app_page as open_page

MODEL = "notes-tcvae"

DECODE = """async (audio) => {
    const bytes = await (await fetch(audio.src)).arrayBuffer();
    const head = String.fromCharCode(...new Uint8Array(bytes.slice(0, 4)))
        + String.fromCharCode(...new Uint8Array(bytes.slice(8, 12)));
    const context = new OfflineAudioContext(1, 16000, 16000);
    const sound = await context.decodeAudioData(bytes);
    return {head, rate: sound.sampleRate, seconds: sound.duration};
}"""


def decoded(page) -> list[dict]:
    players = page.locator("audio")
    players.first.wait_for(state="attached", timeout=120_000)
    return [players.nth(i).evaluate(DECODE) for i in range(players.count())]


def test_interpolate_plays_wav_the_browser_decodes(page, app_url):
    open_page(page, app_url, f"interpolate?model={MODEL}")
    sounds = decoded(page)
    assert len(sounds) >= 5, sounds
    assert all(s["head"] == "RIFFWAVE" and s["rate"] == 16_000 for s in sounds), sounds
    assert abs(sounds[0]["seconds"] - 1.0) < 0.01  # one note
    assert any(s["seconds"] > 9.0 for s in sounds)  # A → B, ten notes one after another
    no_exception(page)
    assert not page.js_errors, page.js_errors
    tall_screenshot(page, "audio_interpolate")


def test_beta_comparison_plays_each_named_row(page, app_url):
    open_page(page, app_url, f"beta_comparison?runs=notes-beta1,{MODEL}")
    sounds = decoded(page)
    assert len(sounds) >= 4 and all(s["head"] == "RIFFWAVE" for s in sounds)
    assert page.get_by_text("pitch (I/H").count() >= 1
    no_exception(page)
    tall_screenshot(page, "audio_beta_comparison")
