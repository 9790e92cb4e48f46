"""The timelapse: frames by day, week or month; a picture drawn only when the map changes; the GIF keeps the
picture's colours exactly (checked with Pillow); the MP4 is H.264 yuv420p (checked with ffprobe)."""

import datetime as dt
import json
import shutil
import subprocess
from io import BytesIO, StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from mapapp import mapimage, timelapse
from tests.conftest import world_once_per_module

D = dt.date.fromisoformat


def _two_squares(world):
    """a and b held by gov from 2015; b taken by isis on 2016-06-01; a contested by isis on 2016-06-04."""
    world.place("a", x=0.0)
    world.place("b", x=0.01)
    world.actor("gov", "#cc0000")
    world.actor("isis", "#1f4e9c")
    world.change("2015-01-01", ["a", "b"], "gov")
    world.change("2016-06-01", ["b"], "isis")
    world.change("2016-06-04", ["a"], "isis", status="contested")
    return world.map(zones=[world.place("a"), world.place("b")])


# Written once for the module; the films only read it.
_two_squares_once, world = world_once_per_module(_two_squares)


@pytest.fixture
def two_squares(world):
    return world.built


def test_frame_dates_by_day_week_and_month():
    assert timelapse.frame_dates(D("2016-01-30"), D("2016-02-02"), "day") == [
        D("2016-01-30"), D("2016-01-31"), D("2016-02-01"), D("2016-02-02"),
    ]  # fmt: skip
    # the last day asked for always ends the film
    assert timelapse.frame_dates(D("2016-01-01"), D("2016-01-20"), "week") == [
        D("2016-01-01"), D("2016-01-08"), D("2016-01-15"), D("2016-01-20"),
    ]  # fmt: skip
    # the 31st of each month, or the month's last day
    assert timelapse.frame_dates(D("2016-01-31"), D("2016-05-31"), "month") == [
        D("2016-01-31"), D("2016-02-29"), D("2016-03-31"), D("2016-04-30"), D("2016-05-31"),
    ]  # fmt: skip
    assert timelapse.frame_dates(D("2016-01-01"), D("2016-01-01"), "month") == [D("2016-01-01")]


def film(map_, tmp_path, name, *args):
    out = StringIO()
    path = tmp_path / name
    call_command("timelapse", map_.slug, str(path), *args, stdout=out)
    return path, out.getvalue()


def rgb(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.int16)


def test_a_gif_has_a_frame_a_day_draws_only_changes_and_keeps_the_colours(two_squares, tmp_path):
    path, out = film(two_squares, tmp_path, "film.gif", "--from", "2016-05-29", "--to", "2016-06-06",
                     "--width", "400", "--height", "300", "--fps", "4")  # fmt: skip
    assert "9 frames (2016-05-29..2016-06-06 by day), 3 pictures drawn, 400x300" in out
    gif = Image.open(path)
    assert (gif.format, gif.size, gif.n_frames) == ("GIF", (400, 300), 9)
    assert gif.info["duration"] == 250 and gif.info["loop"] == 0

    frames = []
    for index in range(gif.n_frames):
        gif.seek(index)
        frames.append(rgb(gif))
    options = timelapse.FrameOptions(date=D("2016-06-02"), width=400, height=300)
    picture = rgb(Image.open(BytesIO(mapimage.render_png(two_squares, options))))
    # The frame of 2016-06-02 is that picture outside the date's box, pixel for pixel, in its main colours.
    frame = frames[4]
    colours, counts = np.unique(picture.reshape(-1, 3), axis=0, return_counts=True)
    for colour in colours[np.argsort(counts)[-8:]]:
        where = (picture == colour).all(axis=2)
        where[:120, :] = False  # the header and the date's box
        assert (frame[where] == colour).all(), f"colour {colour} changed in the GIF"
    # The actors' own colours (their legend swatches) are in the film exactly.
    for hex_colour in ("#cc0000", "#1f4e9c"):
        colour = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
        assert (frame == colour).all(axis=2).any(), f"{hex_colour} is not in the frame"

    # Frames of one picture differ only in the date; frames across a change differ in the map too.
    below_date = slice(140, 300)
    assert (frames[0][below_date] == frames[2][below_date]).all()  # 29 and 31 May: nothing changed
    assert not (frames[0][:140] == frames[1][:140]).all()  # but the date did
    assert not (frames[2][below_date] == frames[3][below_date]).all()  # 1 June: b changed hands
    assert not (frames[5][below_date] == frames[6][below_date]).all()  # 4 June: a contested


def test_the_arabic_dark_film_by_month(two_squares, tmp_path):
    path, out = film(two_squares, tmp_path, "film.gif", "--from", "2016-01-15", "--to", "2016-07-01", "--step",
                     "month", "--lang", "ar", "--theme", "dark", "--width", "320", "--height", "240")  # fmt: skip
    assert "7 frames" in out and "2 pictures drawn" in out  # both June changes fall between 15 May and 15 June
    gif = Image.open(path)
    assert (gif.size, gif.n_frames) == ((320, 240), 7)
    gif.seek(0)
    corner = rgb(gif)[230, 2]
    assert tuple(corner) == tuple(int(mapimage.THEMES["dark"]["background"][i : i + 2], 16) for i in (1, 3, 5))


@pytest.mark.skipif(not shutil.which("ffprobe"), reason="ffmpeg is installed by scripts/setup.sh")
def test_an_mp4_is_h264_yuv420p_with_a_frame_a_week(two_squares, tmp_path):
    path, out = film(two_squares, tmp_path, "film.mp4", "--from", "2016-05-01", "--to", "2016-06-26",
                     "--step", "week", "--width", "400", "--height", "300", "--fps", "2")  # fmt: skip
    assert "9 frames" in out
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_name,pix_fmt,width,height,nb_read_frames,avg_frame_rate", "-of", "json", str(path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    (stream,) = json.loads(probe.stdout)["streams"]
    assert stream == {"codec_name": "h264", "width": 400, "height": 300, "pix_fmt": "yuv420p",
                      "avg_frame_rate": "2/1", "nb_read_frames": "9"}  # fmt: skip
    # The last frame's zones in their colours, as near as H.264 keeps them.
    last = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", "select=eq(n\\,8)", "-frames:v", "1", "-f", "image2pipe",
         "-vcodec", "png", "-"], capture_output=True, check=True,
    ).stdout  # fmt: skip
    frame = rgb(Image.open(BytesIO(last)))
    options = timelapse.FrameOptions(date=D("2016-06-26"), width=400, height=300)
    picture = rgb(Image.open(BytesIO(mapimage.render_png(two_squares, options))))
    assert np.abs(frame[140:280] - picture[140:280]).mean() < 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["out.gif", "--from", "2016-06-10", "--to", "2016-06-01"], "--from 2016-06-10 is after --to 2016-06-01"),
        (["out.gif", "--from", "2014-01-01"], "--from 2014-01-01 is outside the map's dates 2015-01-01..2017-12-31"),
        (["out.gif", "--to", "2016-6-1"], "--to must be a date as YYYY-MM-DD, got '2016-6-1'"),
        (["out.webm"], "the film's file must end in .gif or .mp4, got 'out.webm'"),
        (["out.mp4", "--width", "401"], "an MP4 (yuv420p) needs an even width and height, got 401x640"),
        (["out.gif", "--width", "5000"], "--width must be 200 to 2000 pixels, got 5000"),
        (["out.gif", "--fps", "0"], "--fps must be 1 to 60, got 0"),
    ],
)
def test_bad_options_are_refused_before_anything_is_drawn(two_squares, tmp_path, args, message):
    with pytest.raises(CommandError) as refused:
        call_command("timelapse", two_squares.slug, str(tmp_path / args[0]), *args[1:], stdout=StringIO())
    assert str(refused.value) == message
    assert not (tmp_path / args[0]).exists()
