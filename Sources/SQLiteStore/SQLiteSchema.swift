import Foundation
import ParleyCore

/// Numbered migrations; `migrate()` applies those not yet in `schema_migrations`, each in its own transaction.
enum SQLiteSchema {
    static let migrations: [(version: Int, sql: String)] = [
        (
            1,
            """
            CREATE TABLE users (
                id BLOB PRIMARY KEY, username TEXT NOT NULL UNIQUE, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL, name TEXT NOT NULL, avatar_url TEXT, about TEXT, last_seen INTEGER,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            -- Lowercased username and name words, for prefix search without full-text search.
            CREATE TABLE user_search_terms (term TEXT NOT NULL, user_id BLOB NOT NULL, PRIMARY KEY (term, user_id)) WITHOUT ROWID;
            CREATE INDEX user_search_terms_user ON user_search_terms (user_id);
            CREATE TABLE user_contacts (user_id BLOB NOT NULL, contact_id BLOB NOT NULL, added_at INTEGER NOT NULL,
                PRIMARY KEY (user_id, contact_id)) WITHOUT ROWID;
            CREATE TABLE user_blocks (user_id BLOB NOT NULL, blocked_id BLOB NOT NULL, added_at INTEGER NOT NULL,
                PRIMARY KEY (user_id, blocked_id)) WITHOUT ROWID;
            CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id);

            CREATE TABLE sessions (
                id BLOB PRIMARY KEY, user_id BLOB NOT NULL, token_hash TEXT NOT NULL UNIQUE, user_agent TEXT NOT NULL,
                ip_address TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX sessions_user ON sessions (user_id);
            CREATE INDEX sessions_expiry ON sessions (expires_at);
            -- Tokens a session has rotated away from: presenting one again is a replay.
            CREATE TABLE session_retired_tokens (token_hash TEXT PRIMARY KEY, session_id BLOB NOT NULL) WITHOUT ROWID;
            CREATE INDEX session_retired_tokens_session ON session_retired_tokens (session_id);

            CREATE TABLE password_resets (
                token_hash TEXT PRIMARY KEY, user_id BLOB NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
                used_at INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX password_resets_expiry ON password_resets (expires_at);

            CREATE TABLE chats (
                id BLOB PRIMARY KEY, kind TEXT NOT NULL, direct_key TEXT UNIQUE, title TEXT, avatar_url TEXT,
                last_message_id BLOB, last_message_body TEXT, last_message_sender BLOB, last_message_at INTEGER,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX chats_updated ON chats (updated_at DESC);
            -- Membership and each member's own view: join order (oldest first), admin role, pin, archive, read position.
            CREATE TABLE chat_members (
                chat_id BLOB NOT NULL, user_id BLOB NOT NULL, position INTEGER NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0,
                pinned INTEGER NOT NULL DEFAULT 0, archived INTEGER NOT NULL DEFAULT 0, last_read_at INTEGER, last_read_id BLOB,
                PRIMARY KEY (chat_id, user_id)
            ) WITHOUT ROWID;
            CREATE INDEX chat_members_user ON chat_members (user_id, archived, pinned);

            -- Clustered by (chat, time, id): a page of history is one range scan. `deleted_for` mirrors message_hidden
            -- (which the page query filters on) so that a record reads back whole in one row.
            CREATE TABLE messages (
                chat_id BLOB NOT NULL, created_at INTEGER NOT NULL, id BLOB NOT NULL, sender_id BLOB NOT NULL, body TEXT NOT NULL,
                media TEXT, reply_to TEXT, reactions TEXT NOT NULL DEFAULT '[]', status TEXT NOT NULL,
                delivered_to TEXT NOT NULL DEFAULT '[]', read_by TEXT NOT NULL DEFAULT '[]', deleted_for TEXT NOT NULL DEFAULT '[]',
                deleted_for_everyone INTEGER NOT NULL DEFAULT 0,
                temp_id TEXT, edited_at INTEGER,
                PRIMARY KEY (chat_id, created_at, id)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX messages_id ON messages (id);
            CREATE INDEX messages_sender ON messages (sender_id);
            CREATE UNIQUE INDEX messages_temp_id ON messages (sender_id, temp_id) WHERE temp_id IS NOT NULL;
            CREATE TABLE message_hidden (user_id BLOB NOT NULL, message_id BLOB NOT NULL, PRIMARY KEY (user_id, message_id)) WITHOUT ROWID;

            CREATE TABLE media (
                id BLOB PRIMARY KEY, user_id BLOB NOT NULL, file_name TEXT NOT NULL, file_type TEXT NOT NULL, file_size INTEGER NOT NULL,
                storage_key TEXT NOT NULL, url TEXT NOT NULL, created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX media_user ON media (user_id);

            CREATE TABLE push_subscriptions (
                id BLOB PRIMARY KEY, user_id BLOB NOT NULL, endpoint TEXT NOT NULL UNIQUE, p256dh TEXT NOT NULL, auth TEXT NOT NULL,
                user_agent TEXT, created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);
            """
        ),
        (
            2,
            """
            -- A reset voids the user's other outstanding reset tokens.
            CREATE INDEX password_resets_user ON password_resets (user_id) WHERE used_at IS NULL;
            """
        ),
        (
            3,
            """
            -- When each member (last) joined; members from before this column see the whole history, as they did.
            ALTER TABLE chat_members ADD COLUMN joined_at INTEGER NOT NULL DEFAULT \(Date.storableMilliseconds.lowerBound);
            """
        ),
        (
            4,
            """
            -- Each member's unread count, kept up to date by sends, reads and deletions, counted once here.
            ALTER TABLE chat_members ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
            UPDATE chat_members SET unread_count = \(unreadCount);
            """
        ),
        (5, "ALTER TABLE media ADD COLUMN uploaded_at INTEGER;"),
        (
            6,
            """
            -- The messages each chat has recorded lately: recording one again (a retried send) changes nothing.
            CREATE TABLE chat_recorded_messages (chat_id BLOB NOT NULL, message_id BLOB NOT NULL, PRIMARY KEY (chat_id, message_id)) WITHOUT ROWID;
            """
        ),
        (
            7,
            """
            -- What a member who hid the chat's latest message (preview_replaces) sees in its place: the newest message they
            -- can see (preview_id … preview_at; all null when there is none). The chats service keeps it, told by the
            -- messages service, so that a chat list reads no message.
            ALTER TABLE chat_members ADD COLUMN preview_replaces BLOB;
            ALTER TABLE chat_members ADD COLUMN preview_id BLOB;
            ALTER TABLE chat_members ADD COLUMN preview_body TEXT;
            ALTER TABLE chat_members ADD COLUMN preview_sender BLOB;
            ALTER TABLE chat_members ADD COLUMN preview_at INTEGER;
            UPDATE chat_members SET preview_replaces = (SELECT c.last_message_id FROM chats c WHERE c.id = chat_members.chat_id)
            WHERE EXISTS (
                SELECT 1 FROM chats c JOIN message_hidden h ON h.message_id = c.last_message_id
                WHERE c.id = chat_members.chat_id AND h.user_id = chat_members.user_id
            );
            UPDATE chat_members SET (preview_id, preview_body, preview_sender, preview_at) = (
                SELECT m.id, m.body, m.sender_id, m.created_at FROM messages m
                WHERE m.chat_id = chat_members.chat_id AND m.created_at >= chat_members.joined_at AND m.deleted_for_everyone = 0
                    AND NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.user_id = chat_members.user_id AND h.message_id = m.id)
                ORDER BY m.created_at DESC, m.id DESC LIMIT 1
            )
            WHERE preview_replaces IS NOT NULL;
            """
        ),
        (
            8,
            """
            -- How users sign in, the auth service's own, apart from the profiles the users service keeps.
            CREATE TABLE credentials (
                user_id BLOB PRIMARY KEY, email TEXT NOT NULL, email_key TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            INSERT INTO credentials (user_id, email, email_key, password_hash, created_at, updated_at)
                SELECT id, email, email_key, password_hash, created_at, updated_at FROM users;
            ALTER TABLE users DROP COLUMN password_hash;
            """
        ),
    ]

    /// What the `chat_members` row being updated has left unread: messages of others since it joined and after its
    /// read position, neither deleted for everyone nor for this member. A range of the messages' primary key.
    static let unreadCount = """
        (SELECT count(*) FROM messages m
        WHERE m.chat_id = chat_members.chat_id
            AND m.created_at >= max(chat_members.joined_at, coalesce(chat_members.last_read_at, chat_members.joined_at))
            AND (chat_members.last_read_at IS NULL OR (m.created_at, m.id) > (chat_members.last_read_at, chat_members.last_read_id))
            AND m.sender_id != chat_members.user_id AND m.deleted_for_everyone = 0
            AND NOT EXISTS (SELECT 1 FROM message_hidden h WHERE h.user_id = chat_members.user_id AND h.message_id = m.id))
        """
}
