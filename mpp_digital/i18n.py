"""Every string people read, in Bahasa Indonesia first and English second.

``t(key, lang, **params)`` is the one translation function: services use it for mails
and error messages, the UI (``components/i18n.py``) for every label.
"""

from __future__ import annotations

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

MESSAGES: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ app and pages
    "app.name": {"id": "MPP Digital", "en": "MPP Digital"},
    "app.tagline": {
        "id": "Satu aplikasi, satu akun untuk semua layanan publik.",
        "en": "One app, one account for every public service.",
    },
    "page.home": {"id": "Beranda", "en": "Home"},
    "page.register": {"id": "Daftar", "en": "Register"},
    "page.login": {"id": "Masuk", "en": "Sign in"},
    "page.profile": {"id": "Profil", "en": "Profile"},
    "page.verify": {"id": "Verifikasi email", "en": "Email verification"},
    "page.forgot": {"id": "Lupa kata sandi", "en": "Forgot password"},
    "page.reset": {"id": "Atur kata sandi baru", "en": "Set a new password"},
    "page.outbox": {"id": "Kotak surat demo", "en": "Demo outbox"},
    "page.admin_roles": {"id": "Pengguna & peran", "en": "Users & roles"},
    "nav.signout": {"id": "Keluar", "en": "Sign out"},
    "nav.language": {"id": "English", "en": "Bahasa Indonesia"},
    "footer.text": {
        "id": "MPP Digital — Mal Pelayanan Publik dalam satu aplikasi. Data pribadi Anda "
        "dilindungi sesuai UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.",
        "en": "MPP Digital — the Public Service Mall in one app. Your personal data is "
        "protected under Law No. 27 of 2022 on Personal Data Protection.",
    },
    "footer.outbox": {"id": "Kotak surat demo", "en": "Demo outbox"},
    # ------------------------------------------------------------------ landing
    "home.hero.title": {
        "id": "Semua layanan publik, satu pintu, satu akun",
        "en": "Every public service, one door, one account",
    },
    "home.hero.body": {
        "id": "MPP Digital menyatukan layanan puluhan instansi di Mal Pelayanan Publik — "
        "kependudukan, kepolisian, perpajakan, perizinan, kesehatan, ketenagakerjaan — "
        "dalam satu aplikasi dan satu akun, sejak lahir hingga akhir hayat.",
        "en": "MPP Digital brings the services of dozens of agencies in the Public Service "
        "Mall — civil registry, police, tax, licensing, health, employment — into one app "
        "and one account, from birth to death.",
    },
    "home.cta.register": {"id": "Buat akun", "en": "Create an account"},
    "home.cta.login": {"id": "Masuk", "en": "Sign in"},
    "home.channels.title": {"id": "Tiga kanal layanan", "en": "Three service channels"},
    "channel.direct": {"id": "Langsung", "en": "In person"},
    "channel.online": {"id": "Online", "en": "Online"},
    "channel.mobile": {"id": "Keliling", "en": "Mobile"},
    "channel.direct.body": {
        "id": "Datang ke gedung MPP: ambil antrean sekali untuk semua loket instansi.",
        "en": "Come to the MPP building: one queue ticket for every agency's counter.",
    },
    "channel.online.body": {
        "id": "Ajukan permohonan dari rumah, unggah persyaratan, dan lacak prosesnya.",
        "en": "Apply from home, upload the requirements and track progress.",
    },
    "channel.mobile.body": {
        "id": "Layanan keliling mendatangi desa dan kecamatan yang jauh dari gedung MPP.",
        "en": "Mobile service visits villages and districts far from the MPP building.",
    },
    "home.pilots.title": {"id": "Percontohan di Jawa Tengah", "en": "Pilots in Central Java"},
    "home.pilot.sragen": {
        "id": "MPP Askara Bumi Sukowati Sragen — percontohan MPP Digital, 39 instansi dalam "
        "satu gedung di Jl. Dr. Sutomo No. 5, Sragen Kulon.",
        "en": "MPP Askara Bumi Sukowati Sragen — the MPP Digital pilot, 39 agencies in one "
        "building at Jl. Dr. Sutomo No. 5, Sragen Kulon.",
    },
    "home.pilot.banyumas": {
        "id": "MPP Banyumas — MPP pertama di Jawa Tengah (dibuka 28 Desember 2018) di "
        "Jl. Dr. Angka, Purwokerto; tahap berikutnya MPP Digital.",
        "en": "MPP Banyumas — Central Java's first MPP (opened 28 December 2018) at "
        "Jl. Dr. Angka, Purwokerto; next in line for MPP Digital.",
    },
    "home.stats.sites": {"id": "MPP terhubung", "en": "connected MPPs"},
    "home.stats.agencies": {"id": "instansi", "en": "agencies"},
    "home.stats.services": {"id": "layanan dengan standar pelayanan", "en": "services with published standards"},
    # ------------------------------------------------------------------ forms
    "field.nik": {"id": "NIK", "en": "NIK (national ID number)"},
    "field.nik.help": {"id": "16 digit sesuai KTP-el/KK", "en": "16 digits, as on your ID card"},
    "field.full_name": {"id": "Nama lengkap", "en": "Full name"},
    "field.email": {"id": "Email", "en": "Email"},
    "field.phone": {"id": "Nomor HP", "en": "Mobile number"},
    "field.phone.help": {"id": "Contoh: 0812 3456 7890", "en": "For example 0812 3456 7890"},
    "field.password": {"id": "Kata sandi", "en": "Password"},
    "field.password.help": {
        "id": "Minimal 12 karakter. Boleh berupa kalimat; hindari kata sandi yang umum.",
        "en": "At least 12 characters. A sentence is fine; avoid common passwords.",
    },
    "field.identifier": {"id": "NIK atau email", "en": "NIK or email"},
    "field.current_password": {"id": "Kata sandi saat ini", "en": "Current password"},
    "field.new_password": {"id": "Kata sandi baru", "en": "New password"},
    "field.totp_code": {"id": "Kode autentikator (6 digit) atau kode pemulihan",
                        "en": "Authenticator code (6 digits) or a recovery code"},
    "nik.preview": {
        "id": "Tanggal lahir {birth_date}, jenis kelamin {sex}, terbit di {region}.",
        "en": "Born {birth_date}, sex {sex}, issued in {region}.",
    },
    "sex.L": {"id": "laki-laki", "en": "male"},
    "sex.P": {"id": "perempuan", "en": "female"},
    "register.title": {"id": "Buat akun MPP Digital", "en": "Create your MPP Digital account"},
    "register.intro": {
        "id": "Satu akun untuk antrean, permohonan online, pengaduan, dan aplikasi instansi.",
        "en": "One account for queues, online applications, complaints and agency apps.",
    },
    "register.submit": {"id": "Daftar", "en": "Register"},
    "register.done": {
        "id": "Akun dibuat. Kami mengirim tautan verifikasi ke {email}. Buka tautan itu, "
        "lalu masuk.",
        "en": "Account created. We sent a verification link to {email}. Open it, then sign in.",
    },
    "register.have_account": {"id": "Sudah punya akun? Masuk", "en": "Have an account? Sign in"},
    "login.title": {"id": "Masuk ke MPP Digital", "en": "Sign in to MPP Digital"},
    "login.submit": {"id": "Masuk", "en": "Sign in"},
    "login.forgot": {"id": "Lupa kata sandi?", "en": "Forgot your password?"},
    "login.no_account": {"id": "Belum punya akun? Daftar", "en": "No account yet? Register"},
    "login.second_factor": {
        "id": "Akun ini memakai verifikasi dua langkah. Masukkan kode dari aplikasi autentikator.",
        "en": "This account uses two-step verification. Enter the code from your authenticator app.",
    },
    "login.signed_out": {"id": "Anda telah keluar.", "en": "You have signed out."},
    "login.please": {"id": "Silakan masuk untuk melanjutkan.", "en": "Please sign in to continue."},
    "verify.ok": {"id": "Email {email} terverifikasi. Terima kasih.", "en": "Email {email} verified. Thank you."},
    "verify.missing": {"id": "Tautan verifikasi tidak lengkap.", "en": "The verification link is incomplete."},
    "forgot.title": {"id": "Lupa kata sandi", "en": "Forgot password"},
    "forgot.intro": {
        "id": "Masukkan email akun Anda. Kami kirim tautan untuk mengatur kata sandi baru "
        "(berlaku 30 menit, sekali pakai).",
        "en": "Enter your account's email. We will send a link to set a new password "
        "(valid 30 minutes, single use).",
    },
    "forgot.submit": {"id": "Kirim tautan", "en": "Send link"},
    "forgot.sent": {
        "id": "Jika email itu terdaftar, tautan sudah dikirim. Periksa kotak masuk Anda.",
        "en": "If that email is registered, a link has been sent. Check your inbox.",
    },
    "reset.submit": {"id": "Simpan kata sandi", "en": "Save password"},
    "reset.done": {
        "id": "Kata sandi diganti dan semua sesi lama diakhiri. Silakan masuk.",
        "en": "Password changed and every old session ended. Please sign in.",
    },
    # ------------------------------------------------------------------ profile
    "profile.title": {"id": "Profil saya", "en": "My profile"},
    "profile.my_data": {"id": "Data saya", "en": "My data"},
    "profile.birth": {"id": "Tanggal lahir", "en": "Date of birth"},
    "profile.sex": {"id": "Jenis kelamin", "en": "Sex"},
    "profile.roles": {"id": "Peran", "en": "Roles"},
    "profile.email_unverified": {
        "id": "Email belum terverifikasi: Anda bisa masuk, tetapi belum bisa memesan antrean "
        "atau mengajukan permohonan.",
        "en": "Email not verified: you can sign in but cannot book or apply yet.",
    },
    "profile.email_verified": {"id": "Email terverifikasi", "en": "Email verified"},
    "profile.resend": {"id": "Kirim ulang tautan verifikasi", "en": "Resend verification link"},
    "profile.resent": {"id": "Tautan verifikasi dikirim ulang ke {email}.",
                       "en": "Verification link sent again to {email}."},
    "profile.contact": {"id": "Ubah kontak", "en": "Edit contact"},
    "profile.save_contact": {"id": "Simpan kontak", "en": "Save contact"},
    "profile.contact_saved": {"id": "Kontak disimpan.", "en": "Contact saved."},
    "profile.email_pending": {
        "id": "Tautan verifikasi dikirim ke {email}. Email baru berlaku setelah diverifikasi.",
        "en": "A verification link was sent to {email}. The new email applies once verified.",
    },
    "profile.password": {"id": "Ganti kata sandi", "en": "Change password"},
    "profile.save_password": {"id": "Ganti kata sandi", "en": "Change password"},
    "profile.password_changed": {
        "id": "Kata sandi diganti. {count} sesi lain diakhiri.",
        "en": "Password changed. {count} other session(s) ended.",
    },
    "profile.sessions": {"id": "Sesi saya", "en": "My sessions"},
    "profile.session.current": {"id": "Sesi ini", "en": "This session"},
    "profile.session.revoke": {"id": "Akhiri", "en": "End"},
    "profile.session.revoked": {"id": "Sesi diakhiri.", "en": "Session ended."},
    "profile.session.last_seen": {"id": "Terakhir aktif", "en": "Last seen"},
    "profile.session.address": {"id": "Alamat IP", "en": "IP address"},
    "profile.session.device": {"id": "Perangkat", "en": "Device"},
    "profile.totp": {"id": "Verifikasi dua langkah (TOTP)", "en": "Two-step verification (TOTP)"},
    "profile.totp.off": {
        "id": "Tambahkan kode dari aplikasi autentikator saat masuk.",
        "en": "Add a code from an authenticator app when signing in.",
    },
    "profile.totp.on": {"id": "Aktif. Sisa kode pemulihan:", "en": "On. Recovery codes left:"},
    "profile.totp.start": {"id": "Aktifkan", "en": "Turn on"},
    "profile.totp.scan": {
        "id": "Pindai kode QR ini dengan aplikasi autentikator, atau ketik kuncinya:",
        "en": "Scan this QR code with an authenticator app, or type the key:",
    },
    "profile.totp.confirm": {"id": "Konfirmasi kode", "en": "Confirm code"},
    "profile.totp.codes": {
        "id": "Simpan kode pemulihan ini di tempat aman. Masing-masing hanya bisa dipakai sekali "
        "dan tidak akan ditampilkan lagi.",
        "en": "Keep these recovery codes somewhere safe. Each works once and they will not be "
        "shown again.",
    },
    "profile.totp.disable": {"id": "Matikan", "en": "Turn off"},
    "profile.totp.disabled": {"id": "Verifikasi dua langkah dimatikan.", "en": "Two-step verification turned off."},
    "outbox.title": {"id": "Kotak surat demo", "en": "Demo outbox"},
    "outbox.intro": {
        "id": "Tanpa server SMTP, surat dari MPP Digital disimpan di folder lokal dan "
        "ditampilkan di sini agar pendaftaran bisa dicoba. Halaman ini tidak ada bila SMTP dipasang.",
        "en": "With no SMTP server, MPP Digital's mail is saved to a local folder and shown "
        "here so registration can be tried. This page is off when SMTP is configured.",
    },
    "outbox.empty": {"id": "Belum ada surat.", "en": "No mail yet."},
    "outbox.disabled": {"id": "Kotak surat demo tidak aktif (SMTP dipasang).",
                        "en": "The demo outbox is off (SMTP is configured)."},
    "admin.title": {"id": "Pengguna & peran", "en": "Users & roles"},
    "admin.search": {"id": "Cari nama atau email", "en": "Search name or email"},
    "admin.grant": {"id": "Beri peran", "en": "Grant role"},
    "admin.granted": {"id": "Peran diberikan.", "en": "Role granted."},
    "admin.role": {"id": "Peran", "en": "Role"},
    "admin.scope": {"id": "Lingkup (slug MPP atau kode kab/kota)", "en": "Scope (MPP slug or regency code)"},
    "admin.user_id": {"id": "ID pengguna", "en": "User ID"},
    "admin.audit": {"id": "Jejak audit terbaru", "en": "Latest audit trail"},
    # ------------------------------------------------------------------ roles
    "role.citizen": {"id": "Warga", "en": "Citizen"},
    "role.officer": {"id": "Petugas loket", "en": "Counter officer"},
    "role.site_admin": {"id": "Admin MPP", "en": "MPP administrator"},
    "role.regional_head": {"id": "Kepala daerah", "en": "Regional head"},
    "role.ministry": {"id": "Kementerian PANRB", "en": "Ministry (KemenPANRB)"},
    "role.superadmin": {"id": "Superadmin", "en": "Superadmin"},
    # ------------------------------------------------------------------ errors
    "form.invalid": {"id": "Periksa kembali isian yang ditandai.", "en": "Please check the marked fields."},
    "error.not_allowed": {"id": "Anda tidak berwenang membuka ini.", "en": "You are not allowed to open this."},
    "error.unexpected": {"id": "Terjadi kesalahan. Coba lagi.", "en": "Something went wrong. Please try again."},
    "auth.unverified": {
        "id": "Verifikasi email Anda terlebih dahulu (lihat Profil) untuk memesan antrean atau mengajukan permohonan.",
        "en": "Verify your email first (see Profile) to book a queue or apply.",
    },
    "auth.required": {"id": "Silakan masuk terlebih dahulu.", "en": "Please sign in first."},
    "nik.required": {"id": "NIK wajib diisi.", "en": "NIK is required."},
    "nik.digits_only": {"id": "NIK hanya berisi angka.", "en": "A NIK has digits only."},
    "nik.length": {"id": "NIK harus 16 digit (Anda mengetik {length}).",
                   "en": "A NIK has 16 digits (you typed {length})."},
    "nik.unknown_kecamatan": {
        "id": "Enam digit pertama NIK ({code}) bukan kode kecamatan yang terdaftar.",
        "en": "The first six digits ({code}) are not a registered district code.",
    },
    "nik.bad_date": {"id": "Digit 7-12 NIK ({date}) bukan tanggal lahir yang valid.",
                     "en": "Digits 7-12 ({date}) are not a valid date of birth."},
    "nik.future_date": {"id": "Tanggal lahir pada NIK ada di masa depan.",
                        "en": "The NIK's date of birth is in the future."},
    "nik.serial_zero": {"id": "Nomor urut NIK (4 digit terakhir) tidak boleh 0000.",
                        "en": "The NIK's serial (last 4 digits) cannot be 0000."},
    "nik.taken": {"id": "NIK ini sudah terdaftar. Masuk atau atur ulang kata sandi.",
                  "en": "This NIK is already registered. Sign in or reset the password."},
    "name.required": {"id": "Nama lengkap wajib diisi.", "en": "Full name is required."},
    "name.too_long": {"id": "Nama lengkap paling banyak 120 karakter.", "en": "Full name is at most 120 characters."},
    "email.required": {"id": "Email wajib diisi.", "en": "Email is required."},
    "email.invalid": {"id": "Alamat email tidak valid.", "en": "That is not a valid email address."},
    "email.taken": {"id": "Email ini sudah dipakai akun lain.", "en": "This email is used by another account."},
    "phone.required": {"id": "Nomor HP wajib diisi.", "en": "Mobile number is required."},
    "phone.invalid": {"id": "Nomor HP hanya berisi angka.", "en": "A mobile number has digits only."},
    "phone.not_indonesian": {"id": "Gunakan nomor HP Indonesia (+62).", "en": "Use an Indonesian number (+62)."},
    "phone.not_mobile": {
        "id": "Bukan nomor HP Indonesia yang valid (contoh: 0812 3456 7890).",
        "en": "Not a valid Indonesian mobile number (e.g. 0812 3456 7890).",
    },
    "password.too_short": {"id": "Kata sandi minimal {minimum} karakter.",
                           "en": "The password needs at least {minimum} characters."},
    "password.too_long": {"id": "Kata sandi paling banyak {maximum} karakter.",
                          "en": "The password has at most {maximum} characters."},
    "password.common": {"id": "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.",
                        "en": "This password is too common and easy to guess. Choose another."},
    "password.personal": {"id": "Kata sandi tidak boleh sama dengan NIK, email, atau nama.",
                          "en": "The password cannot be your NIK, email or name."},
    "password.current_wrong": {"id": "Kata sandi saat ini salah.", "en": "The current password is wrong."},
    "login.failed": {
        "id": "NIK/email atau kata sandi salah.",
        "en": "Wrong NIK/email or password.",
    },
    "login.held": {
        "id": "Terlalu banyak percobaan gagal. Akun dan alamat ini ditahan selama {minutes} menit.",
        "en": "Too many failed attempts. This account and address are held for {minutes} minutes.",
    },
    "token.invalid": {"id": "Tautan tidak valid.", "en": "The link is not valid."},
    "token.used": {"id": "Tautan ini sudah dipakai.", "en": "This link has already been used."},
    "token.expired": {"id": "Tautan ini sudah kedaluwarsa. Minta yang baru.",
                      "en": "This link has expired. Ask for a new one."},
    "session.not_found": {"id": "Sesi tidak ditemukan.", "en": "Session not found."},
    "totp.already_enabled": {"id": "Verifikasi dua langkah sudah aktif.", "en": "Two-step verification is already on."},
    "totp.not_started": {"id": "Mulai aktivasi terlebih dahulu.", "en": "Start the set-up first."},
    "totp.wrong_code": {"id": "Kode salah atau kedaluwarsa.", "en": "Wrong or expired code."},
    "role.needs_site": {"id": "Peran ini membutuhkan MPP.", "en": "This role needs an MPP site."},
    "role.needs_regency": {"id": "Peran ini membutuhkan kabupaten/kota.", "en": "This role needs a regency."},
    "role.unknown_scope": {"id": "Lingkup tidak ditemukan: {scope}.", "en": "Scope not found: {scope}."},
    "user.not_found": {"id": "Pengguna tidak ditemukan.", "en": "User not found."},
    # ------------------------------------------------------------------ mail
    "mail.verify.subject": {"id": "Verifikasi email akun MPP Digital", "en": "Verify your MPP Digital email"},
    "mail.verify.body": {
        "id": "Halo {name},\n\nBuka tautan berikut untuk memverifikasi email akun MPP Digital "
        "Anda (berlaku {hours} jam, sekali pakai):\n\n{link}\n\nJika Anda tidak mendaftar, "
        "abaikan surat ini.\n\nMPP Digital",
        "en": "Hello {name},\n\nOpen this link to verify your MPP Digital email (valid "
        "{hours} hours, single use):\n\n{link}\n\nIf you did not register, ignore this mail."
        "\n\nMPP Digital",
    },
    "mail.reset.subject": {"id": "Atur ulang kata sandi MPP Digital", "en": "Reset your MPP Digital password"},
    "mail.reset.body": {
        "id": "Halo {name},\n\nBuka tautan berikut untuk mengatur kata sandi baru (berlaku "
        "{minutes} menit, sekali pakai):\n\n{link}\n\nJika Anda tidak memintanya, abaikan "
        "surat ini; kata sandi Anda tidak berubah.\n\nMPP Digital",
        "en": "Hello {name},\n\nOpen this link to set a new password (valid {minutes} minutes, "
        "single use):\n\n{link}\n\nIf you did not ask for it, ignore this mail; your password "
        "has not changed.\n\nMPP Digital",
    },
    # ------------------------------------------------------------------ single sign-on (OpenID Connect provider)
    "page.sso_consent": {"id": "Izin aplikasi", "en": "App permission"},
    "page.admin_clients": {"id": "Aplikasi instansi", "en": "Agency apps"},
    "nav.admin_clients": {"id": "Aplikasi instansi", "en": "Agency apps"},
    "sso.consent.title": {"id": "Masuk ke aplikasi instansi", "en": "Sign in to an agency app"},
    "sso.consent.asks": {
        "id": "Aplikasi di bawah ini meminta izin memakai akun MPP Digital Anda untuk masuk.",
        "en": "The app below asks to use your MPP Digital account to sign you in.",
    },
    "sso.consent.agency": {"id": "Instansi", "en": "Agency"},
    "sso.consent.app": {"id": "Aplikasi", "en": "App"},
    "sso.consent.signed_in_as": {"id": "Masuk sebagai", "en": "Signed in as"},
    "sso.consent.claims": {"id": "Data yang akan dibagikan", "en": "Data that will be shared"},
    "sso.consent.legal_basis": {"id": "Dasar hukum akses NIK", "en": "Legal basis for NIK access"},
    "sso.consent.note": {
        "id": "Anda dapat mencabut izin ini kapan saja di Profil, bagian \"Aplikasi terhubung\".",
        "en": "You can withdraw this permission at any time in your Profile, under \"Connected apps\".",
    },
    "sso.consent.allow": {"id": "Izinkan dan lanjutkan", "en": "Allow and continue"},
    "sso.consent.deny": {"id": "Tolak", "en": "Deny"},
    "sso.consent.missing": {
        "id": "Permintaan izin tidak lengkap atau tidak berlaku. Kembali ke aplikasi instansi dan coba lagi.",
        "en": "The permission request is incomplete or invalid. Go back to the agency app and try again.",
    },
    "sso.claim.openid": {"id": "Pengenal akun khusus untuk aplikasi ini",
                         "en": "An account identifier for this app only"},
    "sso.claim.profile": {"id": "Nama lengkap", "en": "Full name"},
    "sso.claim.email": {"id": "Alamat email", "en": "Email address"},
    "sso.claim.phone": {"id": "Nomor HP", "en": "Mobile number"},
    "sso.claim.nik": {"id": "NIK (Nomor Induk Kependudukan)", "en": "NIK (national ID number)"},
    "sso.connected.title": {"id": "Aplikasi terhubung", "en": "Connected apps"},
    "sso.connected.empty": {
        "id": "Belum ada aplikasi instansi yang Anda izinkan.",
        "en": "You have not allowed any agency app yet.",
    },
    "sso.connected.since": {"id": "Diizinkan sejak", "en": "Allowed since"},
    "sso.connected.last_used": {"id": "Terakhir dipakai", "en": "Last used"},
    "sso.connected.revoke": {"id": "Cabut izin", "en": "Withdraw"},
    "sso.connected.revoked": {
        "id": "Izin untuk {name} dicabut; aplikasi itu tidak lagi dapat memakai akun Anda.",
        "en": "Permission for {name} withdrawn; that app can no longer use your account.",
    },
    "sso.admin.title": {"id": "Aplikasi instansi (OpenID Connect)", "en": "Agency apps (OpenID Connect)"},
    "sso.admin.intro": {
        "id": "Daftarkan aplikasi instansi agar warga dapat masuk dengan akun MPP Digital. "
        "Rahasia klien hanya ditampilkan sekali.",
        "en": "Register an agency app so citizens can sign in with their MPP Digital account. "
        "The client secret is shown only once.",
    },
    "sso.admin.register": {"id": "Daftarkan aplikasi", "en": "Register app"},
    "sso.admin.name": {"id": "Nama aplikasi", "en": "App name"},
    "sso.admin.agency": {"id": "Instansi", "en": "Agency"},
    "sso.admin.redirect_uris": {"id": "Redirect URI (satu per baris)", "en": "Redirect URIs (one per line)"},
    "sso.admin.logout_uris": {
        "id": "URI setelah keluar (satu per baris, opsional)",
        "en": "Post-logout redirect URIs (one per line, optional)",
    },
    "sso.admin.auth_method": {"id": "Metode autentikasi klien", "en": "Client authentication method"},
    "sso.admin.scopes": {"id": "Cakupan yang diizinkan", "en": "Allowed scopes"},
    "sso.admin.legal_basis": {
        "id": "Dasar hukum akses NIK (wajib untuk cakupan nik)",
        "en": "Legal basis for NIK access (required for the nik scope)",
    },
    "sso.admin.jwks": {"id": "Kunci publik JWKS (untuk private_key_jwt)",
                       "en": "Public keys as JWKS (for private_key_jwt)"},
    "sso.admin.registered": {"id": "Aplikasi {name} terdaftar.", "en": "App {name} registered."},
    "sso.admin.secret_once": {
        "id": "Simpan rahasia klien ini sekarang; MPP Digital hanya menyimpan hash-nya dan tidak dapat "
        "menampilkannya lagi.",
        "en": "Store this client secret now; MPP Digital keeps only its hash and cannot show it again.",
    },
    "sso.admin.rotate": {"id": "Ganti rahasia", "en": "Rotate secret"},
    "sso.admin.rotated": {"id": "Kredensial {client_id} diganti.", "en": "Credentials of {client_id} rotated."},
    "sso.admin.disable": {"id": "Nonaktifkan", "en": "Disable"},
    "sso.admin.enable": {"id": "Aktifkan", "en": "Enable"},
    "sso.admin.disabled": {"id": "{client_id} dinonaktifkan; semua tokennya dicabut.",
                           "en": "{client_id} disabled; all its tokens revoked."},
    "sso.admin.enabled": {"id": "{client_id} diaktifkan kembali.", "en": "{client_id} enabled again."},
    "sso.admin.status.active": {"id": "aktif", "en": "active"},
    "sso.admin.status.disabled": {"id": "nonaktif", "en": "disabled"},
    "sso.error.title": {"id": "Permintaan masuk tidak dapat diproses", "en": "The sign-in request cannot be processed"},
    "sso.error.body": {
        "id": "Aplikasi instansi mengirim permintaan yang tidak sah. Kembali ke aplikasi itu dan coba lagi.",
        "en": "The agency app sent an invalid request. Go back to that app and try again.",
    },
    "sso.scope.nik_without_basis": {
        "id": "Cakupan nik hanya untuk aplikasi yang terdaftar dengan dasar hukum akses NIK.",
        "en": "The nik scope is only for clients registered with a legal basis for NIK access.",
    },
    "sso.scope.not_allowed": {"id": "Cakupan '{scope}' tidak diizinkan untuk aplikasi ini.",
                              "en": "The scope '{scope}' is not allowed for this client."},
    "sso.scope.openid_required": {"id": "Cakupan openid wajib.", "en": "The openid scope is required."},
    "sso.redirect.invalid": {
        "id": "Redirect URI tidak sah: {uri} (harus https, atau http hanya untuk localhost; tanpa fragmen).",
        "en": "Invalid redirect URI: {uri} (https, or http only on localhost; no fragment).",
    },
    "sso.redirect.required": {"id": "Isi minimal satu redirect URI.", "en": "Give at least one redirect URI."},
    "sso.name.invalid": {"id": "Nama aplikasi 3-120 karakter.", "en": "App name: 3-120 characters."},
    "sso.agency.unknown": {"id": "Instansi tidak ditemukan.", "en": "Agency not found."},
    "sso.auth_method.invalid": {"id": "Metode autentikasi tidak dikenal.", "en": "Unknown authentication method."},
    "sso.jwks.required": {"id": "private_key_jwt membutuhkan kunci publik (JWKS).",
                          "en": "private_key_jwt needs public keys (JWKS)."},
    "sso.jwks.invalid": {"id": "JWKS tidak sah.", "en": "Invalid JWKS."},
    "sso.jwks.private": {"id": "JWKS berisi kunci privat; kirim hanya kunci publik.",
                         "en": "The JWKS holds a private key; send public keys only."},
    "sso.client.not_found": {"id": "Aplikasi tidak ditemukan.", "en": "App not found."},
    "sso.request.invalid": {"id": "Permintaan aplikasi tidak sah.", "en": "Invalid app request."},
    "sso.consent.not_found": {"id": "Izin aplikasi tidak ditemukan.", "en": "App permission not found."},
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """Translate ``key`` into ``lang`` (Indonesian when missing) and fill in ``params``."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text
