"""Videos as hawk reads them: a clip file (decoded with PyAV) or a folder of frames, sampled to a list of
PIL frames with their timestamps.

Which frames to take is the family's choice (its processor's defaults: `VLInputs.frame_indices`);
this module only opens sources and reads the frames asked for. PyAV is the optional extra
`hawk[video]`; a frame folder needs nothing beyond Pillow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hawkcli.errors import InputError, first_line
from hawkcli.inputs import IMAGE_SUFFIXES, image_files, open_rgb

FRAME_SUFFIXES = IMAGE_SUFFIXES - {".gif"}  # a GIF is a clip of its own, not one frame
FOLDER_FPS = 1.0  # a frame folder carries no clock: its frames are taken as one per second unless --fps says


@dataclass(frozen=True)
class Sampling:
    """How the user asked to sample a clip: frames per second, or a frame count (None: the family's default)."""

    fps: float | None = None
    frames: int | None = None


@dataclass
class Video:
    """Sampled frames of one clip, in time order."""

    frames: list[Any]  # PIL RGB images, all the same size
    source_fps: float  # frame rate of the source (FOLDER_FPS or --fps for a frame folder)
    total_frames: int  # frames in the source before sampling
    indices: list[int]  # which source frames were taken, one per frame
    source: str = ""

    @property
    def size(self) -> tuple[int, int]:
        return self.frames[0].size

    @property
    def timestamps(self) -> list[float]:
        """Seconds from the clip's start, one per frame."""
        return [i / self.source_fps for i in self.indices]

    @property
    def sample_fps(self) -> float:
        """Frames per second of the sampled sequence, as transformers' `VideoMetadata.sampled_fps` has it
        (what Qwen2.5-VL's temporal positions are built from)."""
        return len(self.indices) / self.total_frames * self.source_fps


class VideoSource:
    """An opened clip or frame folder: how many frames it has, its frame rate, and a reader."""

    def __init__(self, path: str | Path, folder_fps: float | None = None) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self.files = image_files(self.path, FRAME_SUFFIXES)
            if not self.files:
                raise InputError(f"video {path}: folder holds no frames ({', '.join(sorted(FRAME_SUFFIXES))})")
            self.total, self.fps = len(self.files), folder_fps or FOLDER_FPS
        elif self.path.is_file():
            self.files = []
            self.total, self.fps = _probe(self.path)
        else:
            raise InputError(f"video {path}: no such file or folder")

    def read(self, indices: list[int]) -> Video:
        frames = self._folder(indices) if self.files else _decode(self.path, indices)
        sizes = {f.size for f in frames}
        if len(sizes) > 1:
            raise InputError(f"video {self.path}: frames differ in size ({', '.join(f'{w}x{h}' for w, h in sizes)})")
        return Video(frames, self.fps, self.total, list(indices), str(self.path))

    def _folder(self, indices: list[int]) -> list[Any]:
        return [open_rgb(self.files[i], f"video {self.path}") for i in indices]


def read_video(path: str | Path, sampling: Sampling, processor: Any) -> Video:
    """Open a clip or frame folder and take the frames the family's processor would (`frame_indices`).

    A frame folder is taken as sampled at `--fps` (default: the family's sampling rate), so all of its
    frames are used unless `--frames` asks for fewer."""
    if sampling.fps is not None and sampling.frames is not None:
        raise InputError("give --fps or --frames, not both")
    folder_fps = sampling.fps or processor.default_fps
    source = VideoSource(path, folder_fps)
    return source.read(processor.frame_indices(source.total, source.fps, sampling))


def _av() -> Any:
    try:
        import av
    except ImportError as err:
        raise InputError(
            "reading video files needs PyAV: pip install 'hawk[video]' (or pass a folder of frames)"
        ) from err
    return av


def _open(av: Any, path: Path) -> Any:
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as err:
        raise InputError(f"video {path}: not a readable video ({first_line(err)})") from err
    if not container.streams.video:
        container.close()
        raise InputError(f"video {path}: no video stream")
    return container


def _probe(path: Path) -> tuple[int, float]:
    """Frame count (by demuxing, which reads packets but decodes nothing) and average frame rate.

    Demuxing reads the whole file, and `hawk run` opens a clip once to check it before the model loads
    and again to read it: the answer is kept per (file, modification time, size)."""
    stat = path.stat()
    return _probe_file(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _probe_file(name: str, mtime_ns: int, size: int) -> tuple[int, float]:
    av = _av()
    path = Path(name)
    with _open(av, path) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or stream.guessed_rate or 0)
        try:
            total = sum(1 for packet in container.demux(stream) if packet.size)
        except av.error.FFmpegError as err:
            raise InputError(f"video {path}: corrupt ({first_line(err)})") from err
    if total == 0:
        raise InputError(f"video {path}: holds no frames")
    return total, rate if rate > 0 else FOLDER_FPS


def _decode(path: Path, indices: list[int]) -> list[Any]:
    av = _av()
    wanted, last = set(indices), max(indices)
    found: dict[int, Any] = {}
    with _open(av, path) as container:
        try:
            for n, frame in enumerate(container.decode(video=0)):
                if n in wanted:
                    found[n] = frame.to_image().convert("RGB")
                if n >= last:
                    break
        except av.error.FFmpegError as err:
            raise InputError(f"video {path}: corrupt ({first_line(err)})") from err
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InputError(f"video {path}: could decode only {len(found)} of the {len(wanted)} frames asked for")
    return [found[i] for i in indices]
