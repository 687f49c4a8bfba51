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
    "hours.bad_time": {"id": "Jam harus berformat JJ:MM (contoh 08:00), bukan \"{value}\".",
                       "en": "Times are HH:MM (e.g. 08:00), not \"{value}\"."},
    "hours.bad_interval": {"id": "Setiap sesi berisi jam buka dan jam tutup.",
                           "en": "Each session has an opening and a closing time."},
    "hours.open_after_close": {"id": "Jam buka ({start}) harus sebelum jam tutup ({end}).",
                               "en": "Opening ({start}) must be before closing ({end})."},
    "hours.overlap": {"id": "Sesi tidak boleh tumpang tindih; istirahat adalah jeda di antaranya.",
                      "en": "Sessions cannot overlap; a break is the gap between them."},
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
    # ------------------------------------------------------------------ queue (issue 4)
    "page.queue_book": {"id": "Ambil antrean", "en": "Book a queue ticket"},
    "page.queue_mine": {"id": "Tiket antrean saya", "en": "My queue tickets"},
    "page.queue_ticket": {"id": "Tiket antrean", "en": "Queue ticket"},
    "page.queue_board": {"id": "Papan antrean", "en": "Queue board"},
    "page.kiosk": {"id": "Kios antrean", "en": "Queue kiosk"},
    "page.counter": {"id": "Konsol loket", "en": "Counter console"},
    "nav.queue": {"id": "Antrean", "en": "Queue"},
    "nav.my_tickets": {"id": "Tiket saya", "en": "My tickets"},
    "nav.counter": {"id": "Loket", "en": "Counter"},
    "queue.status.booked": {"id": "Terdaftar — check-in di kios saat tiba", "en": "Booked — check in at the kiosk"},
    "queue.status.waiting": {"id": "Menunggu dipanggil", "en": "Waiting to be called"},
    "queue.status.called": {"id": "Dipanggil — menuju loket", "en": "Called — go to the counter"},
    "queue.status.serving": {"id": "Sedang dilayani", "en": "Being served"},
    "queue.status.done": {"id": "Layanan selesai", "en": "Service finished"},
    "queue.status.no_show": {"id": "Tidak hadir saat dipanggil", "en": "Did not come when called"},
    "queue.status.cancelled": {"id": "Dibatalkan", "en": "Cancelled"},
    "queue.status.expired": {"id": "Kedaluwarsa", "en": "Expired"},
    "queue.kind.transfer": {"id": "Dialihkan", "en": "Transferred"},
    "queue.kind.late": {"id": "Terlambat", "en": "Late"},
    "queue.closed.holiday": {"id": "Hari libur nasional ({name}): tidak ada layanan antrean.",
                             "en": "National holiday ({name}): no queue."},
    "queue.closed.closure": {"id": "MPP tutup pada tanggal ini.", "en": "The MPP is closed on this date."},
    "queue.closed.sunday": {"id": "MPP tutup pada hari Minggu.", "en": "The MPP is closed on Sundays."},
    "queue.closed.no_hours": {"id": "MPP tidak buka pada hari ini.", "en": "The MPP does not open on this day."},
    "queue.day.past": {"id": "Tanggal itu sudah lewat.", "en": "That date has passed."},
    "queue.day.beyond_window": {
        "id": "Pendaftaran online dibuka paling lama {days} hari sebelumnya (sampai {last}).",
        "en": "Online booking opens at most {days} days ahead (until {last}).",
    },
    "queue.service.not_here": {"id": "Layanan ini tidak tersedia di MPP ini.",
                               "en": "This service is not offered at this MPP."},
    "queue.service.not_online": {
        "id": "Layanan ini tidak bisa dipesan online. Ambil nomor antrean di kios saat datang langsung.",
        "en": "This service cannot be booked online. Take a ticket at the kiosk when you come in person.",
    },
    "queue.service.not_direct": {"id": "Layanan ini tidak dilayani langsung di loket.",
                                 "en": "This service is not served at the counter."},
    "queue.slot.not_found": {"id": "Jadwal tidak ditemukan. Pilih jadwal lain.",
                             "en": "Time slot not found. Choose another."},
    "queue.cutoff": {"id": "Pendaftaran online untuk jadwal {label} sudah ditutup. Pilih jadwal berikutnya.",
                     "en": "Online booking for {label} has closed. Choose a later slot."},
    "queue.duplicate": {"id": "Anda sudah punya tiket aktif untuk layanan ini pada hari itu.",
                        "en": "You already have an active ticket for this service on that day."},
    "queue.too_many": {"id": "Anda sudah punya {maximum} tiket aktif. Selesaikan atau batalkan salah satunya.",
                       "en": "You already hold {maximum} active tickets. Use or cancel one first."},
    "queue.busy": {"id": "Permintaan bersamaan terdeteksi. Coba lagi.",
                   "en": "A simultaneous request got there first. Try again."},
    "queue.slot_full": {"id": "Kuota online jadwal ini sudah habis. Pilih jadwal lain.",
                        "en": "The online places of this slot are gone. Choose another slot."},
    "queue.online_gone": {
        "id": "Kuota online hari ini sudah habis. Masih ada tempat untuk datang langsung mulai pukul "
              "{walkin_from} {zone} — ambil nomor di kios MPP.",
        "en": "Today's online places are gone. Walk-in places remain from {walkin_from} {zone} — "
              "take a ticket at the MPP kiosk.",
    },
    "queue.day_full": {"id": "Semua kuota hari ini sudah habis. Pilih hari lain.",
                       "en": "Every place of this day is gone. Choose another day."},
    "queue.slots.zone": {"id": "Jam dalam waktu setempat ({zone}).", "en": "Times in local time ({zone})."},
    "queue.ticket.not_found": {"id": "Tiket tidak ditemukan.", "en": "Ticket not found."},
    "queue.cancel.not_booked": {"id": "Hanya tiket yang belum check-in yang bisa dibatalkan.",
                                "en": "Only tickets not yet checked in can be cancelled."},
    "queue.cancel.too_late": {"id": "Jadwal sudah dimulai; tiket tidak bisa dibatalkan lagi.",
                              "en": "The slot has started; the ticket can no longer be cancelled."},
    "queue.reschedule.same": {"id": "Pilih jadwal yang berbeda.", "en": "Choose a different slot."},
    "queue.cancelled": {"id": "Tiket dibatalkan. Kuotanya kembali tersedia untuk warga lain.",
                        "en": "Ticket cancelled. Its place is free for someone else."},
    "queue.site.not_found": {"id": "MPP tidak ditemukan.", "en": "MPP not found."},
    "queue.checkin.other_site": {"id": "Tiket ini untuk MPP lain.", "en": "This ticket is for another MPP."},
    "queue.checkin.already": {"id": "Tiket ini sudah check-in.", "en": "This ticket is already checked in."},
    "queue.checkin.not_active": {"id": "Tiket ini sudah tidak berlaku.", "en": "This ticket is no longer valid."},
    "queue.checkin.wrong_day": {"id": "Tiket ini berlaku pada {day}, bukan hari ini.",
                                "en": "This ticket is for {day}, not today."},
    "queue.checkin.code_unknown": {"id": "Kode atau PIN tidak cocok dengan tiket hari ini.",
                                   "en": "Code or PIN does not match a ticket of today."},
    "queue.checkin.code_ambiguous": {"id": "Kode ini cocok dengan beberapa tiket. Pindai kode QR.",
                                     "en": "This code matches several tickets. Scan the QR code."},
    "queue.token.invalid": {"id": "Kode QR tidak sah. Gunakan kode QR dari tiket MPP Digital.",
                            "en": "The QR code is not genuine. Use the QR code of an MPP Digital ticket."},
    "queue.token.expired": {"id": "Kode QR sudah kedaluwarsa.", "en": "The QR code has expired."},
    "queue.walkin.closed_now": {"id": "Antrean hari ini sudah ditutup.", "en": "Today's queue has closed."},
    "queue.walkin.full": {"id": "Kuota datang langsung hari ini sudah habis.",
                          "en": "Today's walk-in places are gone."},
    "queue.counter.unknown": {"id": "Loket tidak dikenal.", "en": "Unknown counter."},
    "queue.counter.not_called": {"id": "Tiket ini belum dipanggil.", "en": "This ticket has not been called."},
    "queue.counter.not_serving": {"id": "Mulai layanan terlebih dahulu.", "en": "Start the service first."},
    "queue.counter.max_calls": {"id": "Sudah dipanggil {maximum} kali. Tandai tidak hadir.",
                                "en": "Already called {maximum} times. Mark as no-show."},
    "queue.counter.no_show_early": {"id": "Tandai tidak hadir setelah {maximum} kali panggilan (baru {count}).",
                                    "en": "Mark a no-show after {maximum} calls (only {count} so far)."},
    "queue.counter.same": {"id": "Pilih loket lain.", "en": "Choose another counter."},
    "queue.counter.called": {"id": "Memanggil {code}.", "en": "Calling {code}."},
    "queue.counter.nobody": {"id": "Belum ada antrean yang bisa dipanggil.", "en": "Nobody can be called yet."},
    "queue.counter.recalled": {"id": "Memanggil ulang {code}.", "en": "Calling {code} again."},
    "queue.counter.started": {"id": "Melayani {code}.", "en": "Serving {code}."},
    "queue.counter.finished": {"id": "{code} selesai dilayani.", "en": "{code} served."},
    "queue.counter.no_show": {"id": "{code} ditandai tidak hadir.", "en": "{code} marked as no-show."},
    "queue.counter.transferred": {"id": "{code} dialihkan.", "en": "{code} transferred."},
    "queue.kiosk.enter_code": {"id": "Pindai kode QR atau ketik kode tiket dan PIN.",
                               "en": "Scan the QR code or type the ticket code and PIN."},
    "queue.kiosk.checked_in": {"id": "Check-in berhasil. Silakan menunggu panggilan (jadwal {start} {zone}).",
                               "en": "Checked in. Please wait to be called (slot {start} {zone})."},
    "queue.kiosk.late": {
        "id": "Check-in berhasil, tetapi Anda terlambat lebih dari 15 menit dari jadwal {start} {zone}: "
              "Anda dilayani setelah antrean datang langsung.",
        "en": "Checked in, but more than 15 minutes after your {start} {zone} slot: you are served after "
              "the walk-in line.",
    },
    "queue.kiosk.walk_in_now": {"id": "Silakan menunggu panggilan.", "en": "Please wait to be called."},
    "queue.kiosk.walk_in_later": {"id": "Kuota jam ini penuh: Anda dipanggil mulai pukul {start} {zone}.",
                                  "en": "This hour is full: you are called from {start} {zone}."},
    "queue.kiosk.slow_down": {"id": "Terlalu banyak tiket dari kios ini. Tunggu sebentar.",
                              "en": "Too many tickets from this kiosk. Wait a moment."},
    "queue.book.title": {"id": "Ambil nomor antrean", "en": "Book a queue ticket"},
    "queue.book.intro": {
        "id": "Satu antrean yang adil untuk semua kanal: pesan online, lalu check-in di kios saat tiba. "
              "Datang paling lambat 15 menit setelah jadwal dimulai.",
        "en": "One fair queue for every channel: book online, then check in at the kiosk when you arrive. "
              "Come no later than 15 minutes after your slot starts.",
    },
    "queue.book.unverified": {"id": "Verifikasi email Anda di halaman Profil sebelum memesan antrean.",
                              "en": "Verify your email on the Profile page before booking."},
    "queue.book.rescheduling": {"id": "Pilih jadwal baru untuk tiket", "en": "Choose a new slot for ticket"},
    "queue.field.site": {"id": "MPP", "en": "MPP"},
    "queue.field.service": {"id": "Layanan", "en": "Service"},
    "queue.field.day": {"id": "Tanggal", "en": "Date"},
    "queue.field.pick_service": {"id": "Pilih layanan", "en": "Choose a service"},
    "queue.slot.left": {"id": "sisa", "en": "left"},
    "queue.slot.full": {"id": "penuh", "en": "full"},
    "queue.slot.cutoff": {"id": "ditutup", "en": "closed"},
    "queue.slot.past": {"id": "lewat", "en": "past"},
    "queue.mine.title": {"id": "Tiket antrean saya", "en": "My queue tickets"},
    "queue.mine.empty": {"id": "Belum ada tiket.", "en": "No tickets yet."},
    "queue.mine.book_new": {"id": "Ambil antrean baru", "en": "Book a new ticket"},
    "queue.ticket.title": {"id": "Tiket antrean", "en": "Queue ticket"},
    "queue.ticket.pin": {"id": "PIN check-in", "en": "Check-in PIN"},
    "queue.ticket.qr_help": {
        "id": "Tunjukkan kode QR ini ke pemindai kios, atau ketik kode dan PIN di kios.",
        "en": "Show this QR code to the kiosk's scanner, or type the code and PIN at the kiosk.",
    },
    "queue.ticket.ahead": {"id": "Antrean di depan Anda", "en": "Ahead of you"},
    "queue.ticket.wait": {"id": "Perkiraan menunggu", "en": "Estimated wait"},
    "queue.ticket.minutes": {"id": "menit", "en": "minutes"},
    "queue.ticket.counter": {"id": "Loket", "en": "Counter"},
    "queue.ticket.cancel": {"id": "Batalkan tiket", "en": "Cancel ticket"},
    "queue.ticket.reschedule": {"id": "Ubah jadwal", "en": "Reschedule"},
    "queue.ticket.live": {"id": "Diperbarui otomatis", "en": "Updates live"},
    "queue.ticket.mailed": {"id": "Tiket juga dikirim ke email Anda.", "en": "The ticket was also mailed to you."},
    "queue.board.serving": {"id": "Sedang dipanggil", "en": "Now serving"},
    "queue.board.next": {"id": "Antrean berikutnya", "en": "Next in line"},
    "queue.board.counter": {"id": "Loket", "en": "Counter"},
    "queue.board.empty": {"id": "Belum ada panggilan.", "en": "No calls yet."},
    "queue.kiosk.title": {"id": "Selamat datang", "en": "Welcome"},
    "queue.kiosk.checkin": {"id": "Sudah pesan online? Check-in", "en": "Booked online? Check in"},
    "queue.kiosk.code": {"id": "Pindai QR atau ketik kode (mis. A-023)",
                         "en": "Scan the QR or type the code (e.g. A-023)"},
    "queue.kiosk.pin": {"id": "PIN (4 angka, bila mengetik kode)", "en": "PIN (4 digits, when typing the code)"},
    "queue.kiosk.checkin_button": {"id": "Check-in", "en": "Check in"},
    "queue.kiosk.walk_in": {"id": "Datang langsung? Ambil nomor", "en": "Walking in? Take a number"},
    "queue.kiosk.your_number": {"id": "Nomor antrean Anda", "en": "Your number"},
    "queue.kiosk.again": {"id": "Selesai", "en": "Done"},
    "queue.counter.title": {"id": "Konsol loket", "en": "Counter console"},
    "queue.counter.counter": {"id": "Loket saya", "en": "My counter"},
    "queue.counter.call_next": {"id": "Panggil berikutnya", "en": "Call next"},
    "queue.counter.recall": {"id": "Panggil ulang", "en": "Call again"},
    "queue.counter.start": {"id": "Mulai layanan", "en": "Start service"},
    "queue.counter.finish": {"id": "Selesai", "en": "Finish"},
    "queue.counter.no_show_button": {"id": "Tidak hadir", "en": "No-show"},
    "queue.counter.transfer": {"id": "Alihkan", "en": "Transfer"},
    "queue.counter.transfer_to": {"id": "ke loket", "en": "to counter"},
    "queue.counter.line": {"id": "Antrean menunggu", "en": "Waiting line"},
    "queue.counter.empty": {"id": "Tidak ada yang menunggu.", "en": "Nobody is waiting."},
    "queue.counter.current": {"id": "Di loket ini", "en": "At this counter"},
    "queue.counter.none_current": {"id": "Belum ada yang dipanggil.", "en": "Nobody called yet."},
    "queue.counter.calls": {"id": "panggilan", "en": "calls"},
    "queue.counter.not_yet": {"id": "jadwal belum mulai", "en": "slot not begun"},
    "queue.counter.no_site": {"id": "Akun Anda belum ditugaskan ke MPP mana pun.",
                              "en": "Your account is not assigned to any MPP."},
    "mail.ticket.subject": {"id": "Tiket antrean MPP {code}", "en": "MPP queue ticket {code}"},
    "mail.ticket.body": {
        "id": "Halo {name},\n\nTiket antrean Anda:\n\n  Nomor: {code}\n  PIN check-in: {pin}\n"
              "  Layanan: {service}\n  Tempat: {site}, {address}\n  Jadwal: {day} pukul {start}–{end} {zone}\n\n"
              "Saat tiba, check-in di kios MPP dengan kode QR di halaman tiket:\n{link}\n\n"
              "atau ketik nomor dan PIN di kios. Datang paling lambat 15 menit setelah jadwal dimulai; "
              "setelah itu Anda dilayani setelah antrean datang langsung.\n\nKode tiket (untuk pemindai): "
              "{token}\n\nMPP Digital",
        "en": "Hello {name},\n\nYour queue ticket:\n\n  Number: {code}\n  Check-in PIN: {pin}\n"
              "  Service: {service}\n  Place: {site}, {address}\n  Slot: {day} {start}–{end} {zone}\n\n"
              "When you arrive, check in at the MPP kiosk with the QR code on the ticket page:\n{link}\n\n"
              "or type the number and PIN at the kiosk. Come no later than 15 minutes after your slot starts; "
              "after that you are served after the walk-in line.\n\nTicket code (for scanners): {token}"
              "\n\nMPP Digital",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """Translate ``key`` into ``lang`` (Indonesian when missing) and fill in ``params``."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text
