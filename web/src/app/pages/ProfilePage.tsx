import { useState, type FormEvent } from "react";
import { ApiError } from "../../../../Generated/typescript/client";
import { navigate } from "../../lib/router";
import { useStore } from "../../lib/store";
import { Avatar } from "../components/common";
import { toast } from "../components/Toasts";
import { api, describe, session, updateMe } from "../session";
import { upload } from "../upload";

export function ProfilePage(): JSX.Element {
  const me = useStore(session, (state) => state.me);
  const [name, setName] = useState(me?.name ?? "");
  const [about, setAbout] = useState(me?.about ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [progress, setProgress] = useState<number | null>(null);

  /** A new picture: uploaded like any media, then its URL becomes the profile's. */
  async function changeAvatar(file: File): Promise<void> {
    if (!["image/jpeg", "image/png", "image/gif", "image/webp"].includes(file.type)) {
      toast("A profile picture is a JPEG, PNG, GIF or WebP image");
      return;
    }
    try {
      setProgress(0);
      const grant = await api.media.presign({ fileName: file.name, fileType: file.type as "image/png", fileSize: file.size });
      await upload(grant.uploadUrl, file, setProgress);
      const { media } = await api.media.get(grant.mediaId);
      // A profile keeps https URLs or paths: a file on this very server (the embedded storage) is kept as its path.
      const url = new URL(media.url, window.location.href);
      const { user } = await api.users.updateMe({ avatarUrl: url.origin === window.location.origin ? url.pathname : url.href });
      updateMe(user);
      toast("Picture saved");
    } catch (error) {
      toast(describe(error));
    } finally {
      setProgress(null);
    }
  }

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (name.trim().length === 0 || name.length > 64) {
      setErrors({ name: "1 to 64 characters" });
      return;
    }
    try {
      const { user } = await api.users.updateMe({ name, about });
      updateMe(user);
      setErrors({});
      toast("Profile saved");
    } catch (error) {
      if (error instanceof ApiError && error.details) {
        setErrors(Object.fromEntries(error.details.map((detail) => [detail.path.replace(/^body\./, ""), detail.message])));
      } else {
        toast(describe(error));
      }
    }
  }

  return (
    <main className="page">
      <button type="button" className="back-link" onClick={() => navigate("/chats")}>
        ← Chats
      </button>
      <form className="card" onSubmit={save} aria-labelledby="profile-title">
        <h1 id="profile-title">Profile</h1>
        <Avatar name={me?.name ?? "?"} url={me?.avatarUrl} size={72} />
        <label className="field">
          <span>Picture</span>
          <input id="avatar-file" type="file" accept="image/jpeg,image/png,image/gif,image/webp" onChange={(event) => event.target.files?.[0] && void changeAvatar(event.target.files[0])} />
        </label>
        {progress !== null && <progress value={progress} max={1} aria-label="Upload progress" />}
        <p>
          @{me?.username} · {me?.email}
        </p>
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} aria-invalid={errors.name ? true : undefined} />
          {errors.name && <small className="error">{errors.name}</small>}
        </label>
        <label className="field">
          <span>About</span>
          <textarea value={about} onChange={(event) => setAbout(event.target.value)} maxLength={500} aria-invalid={errors.about ? true : undefined} />
          {errors.about && <small className="error">{errors.about}</small>}
        </label>
        <button type="submit" className="primary">
          Save
        </button>
      </form>
    </main>
  );
}
