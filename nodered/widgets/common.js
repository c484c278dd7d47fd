        site() { return this.SM; },
        val(p) { const m = this.msg && this.msg.payload; return m && m.v ? m.v[p] : undefined; },
        has(p) { const m = this.msg && this.msg.payload; return !!(m && m.v && p in m.v); },
        stale(p) {
            const m = this.msg && this.msg.payload;
            if (p === 'status') { return false; }
            if (!m || m.online !== true) { return true; }
            return !m.stale || m.stale[p] !== false;
        },
        lab(p) { const t = this.SM.topics[p]; return t ? t.label : p; },
        num(x, prec) { return Number(x).toLocaleString('en-GB', { minimumFractionDigits: prec, maximumFractionDigits: prec }); },
        fmt(p) {
            const v = this.val(p);
            const t = this.SM.topics[p] || {};
            if (v === undefined) { return '–'; }
            if (v === null) { return 'invalid'; }
            if (typeof v === 'boolean') { return v ? (t.on || 'on') : (t.off || 'off'); }
            if (typeof v === 'number') {
                const prec = t.precision === null || t.precision === undefined ? (Number.isInteger(v) ? 0 : 2) : t.precision;
                return this.num(v, prec) + (t.unit ? '\u202f' + t.unit : '');
            }
            return String(v);
        },
        level(p) {
            const v = this.val(p);
            const t = this.SM.topics[p];
            if (!t || !t.bands || typeof v !== 'number') { return 'none'; }
            let lvl = 'none';
            for (const b of t.bands) { if (v >= b[0]) { lvl = b[1]; } }
            return lvl;
        },
        cls(p) { return ['tq-val', 'lvl-' + this.level(p), this.stale(p) ? 'tq-stale' : 'tq-live']; },
        clock(ms) { return ms ? new Date(ms).toLocaleString('en-GB', { hour12: false }) : '–'; },
        w(p) { const v = this.val(p); return typeof v === 'number' ? v : 0; },
        kw(x) { return Math.abs(x) >= 1000 ? this.num(x / 1000, 1) + '\u202fkW' : this.num(x, 0) + '\u202fW'; },
